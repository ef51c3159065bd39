use super::{doc_at, show_cursor};
use crate::ide::CompletionKind;

/// A flow whose declarations parse; each test appends the text being typed.
const HEADER: &str = r#"flow f
currency USD
account {
  name: text
  balance: money
  risk: low | medium | high
  mobile: phone?
  email: email?
  address: address
}
event payment { amount: money }
event call_outcome { result: answered | no_answer | wrong_number }
event cease_contact
action notify_crm { reason: text, level: number }
calendar bank { weekend saturday, sunday }
var attempts: number = 0
var mood: calm | upset = calm
segment vip = account.balance > 1000 USD
template hello_sms for sms "Hi {account.name}"
template hello_mail for email { subject "Hello" body "Dear {account.name}" }
template reminder_sms for sms "Please pay"
start reminders
stage reminders {
  call queue early_agents
  send sms hello_sms
  goto calls
}
stage calls {
  alert supervisors "look"
  end paid
}
"#;

fn complete(typed: &str) -> String {
    let (doc, offset) = doc_at(&format!("{HEADER}{typed}"));
    let c = doc.completions(offset);
    assert!(c.replace.end as usize == offset && c.replace.start as usize <= offset);
    let items: Vec<String> = c
        .items
        .iter()
        .map(|i| match &i.detail {
            Some(d) => format!("{} ({:?}: {d})", i.label, i.kind),
            None => format!("{} ({:?})", i.label, i.kind),
        })
        .collect();
    format!("{}\n---\n{}", show_cursor(&doc, offset), items.join("\n"))
}

fn labels(typed: &str) -> Vec<String> {
    let (doc, offset) = doc_at(&format!("{HEADER}{typed}"));
    doc.completions(offset)
        .items
        .into_iter()
        .map(|i| i.label)
        .collect()
}

macro_rules! completion_tests {
    ($($name:ident: $typed:expr;)*) => {$(
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), complete($typed));
        }
    )*};
}

completion_tests! {
    complete_stages_after_goto: "stage s {\n  wait 1 day\n  goto $0\n}\n";
    complete_stages_after_arrow_with_prefix: "on payment -> re$0\n";
    complete_account_fields_after_dot: "stage s {\n  if account.$0\n";
    complete_payload_fields_inside_handler: "on payment {\n  set attempts = event.$0\n}\n";
    complete_payload_fields_in_a_stage_handler_line: "stage s {\n  on call_outcome when event.$0\n  end paid\n}\n";
    complete_templates_of_the_channel: "stage s {\n  send sms $0\n";
    complete_channels_after_send: "stage s {\n  send $0\n";
    complete_variants_after_equals: "stage s {\n  if account.risk == $0\n";
    complete_payload_variants_after_not_equals: "on call_outcome when event.result != $0";
    complete_variable_variants: "stage s {\n  if mood == up$0\n";
    complete_variants_in_list: "stage s {\n  if account.risk in [low, $0\n";
    complete_step_keywords_at_line_start: "stage s {\n  send sms hello_sms\n  $0\n}\n";
    complete_declaration_keywords_at_top_level: "\n$0";
    complete_policy_rules: "policy {\n  $0\n}\n";
    complete_contact_fields_after_to: "stage s {\n  send sms hello_sms to $0\n";
    complete_events_after_on: "on $0";
    complete_queues_by_use: "stage s {\n  assign queue $0\n";
    complete_outcomes: "stage s {\n  end $0\n";
    complete_expression_after_if: "stage s {\n  if $0\n";
    complete_inside_a_template_placeholder: "template t for sms \"Hi {account.$0";
    complete_after_multibyte_text: "template t for sms \"Olá 😀 {account.na$0}\"\n";
    complete_test_given_fields: "test \"t\" {\n  given account {\n    name: \"x\"\n    $0\n";
    complete_test_given_variant: "test \"t\" {\n  given account {\n    risk: $0\n";
    complete_expectations: "test \"t\" {\n  on day 3 expect $0\n";
    complete_types_in_a_field: "event dispute { reason: $0 }\n";
    complete_action_fields_in_emit: "stage s {\n  emit notify_crm { $0 }\n";
    complete_calendars: "stage s {\n  wait 3 business days of $0\n";
    complete_duration_units: "stage s {\n  wait 3 $0\n";
}

#[test]
fn nothing_inside_a_comment_or_a_string() {
    assert!(labels("stage s {\n  # goto $0\n").is_empty());
    assert!(labels("stage s {\n  alert team \"goto $0\"\n").is_empty());
}

#[test]
fn nothing_while_typing_a_number() {
    assert!(labels("stage s {\n  wait 1$0").is_empty());
}

#[test]
fn payload_fields_belong_to_the_handlers_event() {
    let fields = labels("on call_outcome {\n  if event.$0\n}\n");
    assert_eq!(fields, ["result"]);
    // Outside any handler, `event.` has no payload to offer.
    assert!(labels("stage s {\n  if event.$0\n").is_empty());
}

#[test]
fn the_word_being_typed_is_replaced() {
    let (doc, offset) = doc_at(&format!("{HEADER}stage s {{\n  goto cal$0\n"));
    let c = doc.completions(offset);
    assert_eq!(&doc.text()[c.replace.range()], "cal");
    assert!(c
        .items
        .iter()
        .any(|i| i.label == "calls" && i.kind == CompletionKind::Stage));
}

#[test]
fn completion_survives_an_unclosed_string_above() {
    let typed = "template broken for sms \"never closed\nstage s {\n  goto $0\n";
    assert!(labels(typed).contains(&"calls".to_string()));
}

#[test]
fn test_lines_complete_day_then_actions() {
    assert_eq!(labels("test \"t\" {\n  on $0\n"), ["day"]);
    assert_eq!(
        labels("test \"t\" {\n  on day 3 $0\n"),
        ["at", "receive", "update", "expect"]
    );
    assert_eq!(
        labels("test \"t\" {\n  on day 3 receive $0\n"),
        ["payment", "call_outcome", "cease_contact"]
    );
}

/// The variants offered after `==`, `!=` and `in [` are those of the type
/// the checker gives the left side, whatever expression it is.
#[test]
fn variants_follow_the_checkers_type_of_the_left_side() {
    let variants = |typed: &str| -> Vec<String> {
        let (doc, offset) = doc_at(&format!("{HEADER}{typed}"));
        doc.completions(offset)
            .items
            .into_iter()
            .filter(|i| i.kind == CompletionKind::Variant)
            .map(|i| i.label)
            .collect()
    };
    // A line that parses: the type the checker recorded in the model.
    assert_eq!(
        variants("stage s {\n  if account.risk == h$0igh { end paid }\n  end paid\n}\n"),
        ["low", "medium", "high"]
    );
    // After another comparison on the same line, the operand just before.
    assert_eq!(
        variants("stage s {\n  if mood == calm and account.risk != $0\n"),
        ["low", "medium", "high"]
    );
    // A payload field read in a handler block of a stage.
    assert_eq!(
        variants("stage s {\n  on call_outcome {\n    if event.result in [no_answer, $0\n"),
        ["answered", "no_answer", "wrong_number"]
    );
    // In a test's `expect var`: the variable's type.
    assert_eq!(
        variants("test \"t\" {\n  on day 1 expect var mood == $0\n"),
        ["calm", "upset"]
    );
    // Not an enumeration, or not a value at all: no variants.
    assert!(variants("stage s {\n  if account.balance == $0\n").is_empty());
    assert!(variants("stage s {\n  if account.nope == $0\n").is_empty());
    assert!(variants("stage s {\n  if 3 + == $0\n").is_empty());
}
