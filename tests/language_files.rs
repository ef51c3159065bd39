//! A text per language from a file (`es file "templates/x.es.txt"`)
//! through the real `dun` binary: each customer gets the text of their
//! language read from its file, written in the flow's locale; a
//! placeholder in one language's file is checked and reported at that
//! file's line; a path out of the flow's folder is refused like a
//! one-language template file's; and examples/telecom_latam's flow tests
//! pass with its texts in files.

mod common;

use common::{dun, flow, scratch, sends, text};
use std::path::Path;

const FLOW: &str = r#"flow files version 1
currency COP
locale "es-CO"
language account.language fallback es

account {
  name: text
  mobile: phone
  balance: money
  language: es | en?
}

template reminder for sms {
  es file "templates/reminder.es.txt"
  en locale "en-US" file "templates/reminder.en.txt"
}

start collect

stage collect {
  send sms reminder
  end done
}
"#;

fn write(dir: &Path, es: &str, en: &str) {
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("files.dun"), FLOW).unwrap();
    std::fs::write(dir.join("templates/reminder.es.txt"), es).unwrap();
    std::fs::write(dir.join("templates/reminder.en.txt"), en).unwrap();
}

#[test]
fn each_customer_gets_the_text_of_their_language_from_its_file() {
    let dir = scratch("language_files", "run");
    write(
        &dir,
        "Hola {account.name}, debes {account.balance}.",
        "Hi {account.name}, you owe {account.balance}.",
    );
    let sends = sends(
        &dir,
        &dir.join("files.dun").display().to_string(),
        "id,name,mobile,balance,language\nA1,Ana,+573000000111,189900,es\nB2,Bob,+573000000222,189900,en\n",
    );
    let sent = |account: &str| {
        sends
            .iter()
            .find(|a| a["account"] == account)
            .unwrap_or_else(|| panic!("no send to {account}: {sends:#?}"))
    };
    assert_eq!(sent("A1")["text"], "Hola Ana, debes $ 189.900,00.");
    assert_eq!(sent("A1")["language"], "es");
    assert_eq!(sent("B2")["text"], "Hi Bob, you owe COP 189,900.00.");
    assert_eq!(sent("B2")["language"], "en");
}

#[test]
fn a_placeholder_in_one_languages_file_is_reported_at_its_line() {
    let dir = scratch("language_files", "placeholder");
    write(
        &dir,
        "Hola {account.name}.",
        "Hi {account.name},\nyou owe {account.balanse}.",
    );
    let out = dun(&["check", &dir.join("files.dun").display().to_string()]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let report = text(&out.stdout) + &text(&out.stderr);
    assert!(report.contains("balanse"), "{report}");
    assert!(report.contains("line 2"), "{report}");
    assert!(report.contains("templates/reminder.en.txt"), "{report}");
}

#[test]
fn a_language_file_outside_the_flows_folder_is_refused() {
    let dir = scratch("language_files", "outside");
    write(&dir, "Hola.", "Hi.");
    let flow_text = FLOW.replace("templates/reminder.en.txt", "../reminder.en.txt");
    std::fs::write(dir.join("files.dun"), flow_text).unwrap();
    let out = dun(&["check", &dir.join("files.dun").display().to_string()]);
    assert!(!out.status.success(), "{}", text(&out.stdout));
    let report = text(&out.stdout) + &text(&out.stderr);
    assert!(
        report.contains("dun::templates::outside_folder")
            || report.contains("outside the flow's folder"),
        "{report}"
    );
}

#[test]
fn telecom_latams_texts_per_language_from_files_pass_its_flow_tests() {
    let out = dun(&["test", &flow("telecom_latam")]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}
