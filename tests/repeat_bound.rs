//! Issue: four nested `repeat 100 times` (235 bytes) made `dun check` grow
//! to 24 GB. Through the real binary, `check`, `build` and `test` refuse
//! such a flow at once with `dun::structure::repeat_size`.

mod common;

use common::{scratch, text};
use std::process::Command;

const NESTED: &str = "flow f\ncurrency USD\naccount {\n  name: text\n  mobile: phone\n}\nstart s\nstage s {\n  repeat 100 times {\n    repeat 100 times {\n      repeat 100 times {\n        repeat 100 times {\n          send sms hello\n          wait 1 day\n        }\n      }\n    }\n  }\n  end done\n}\ntemplate hello for sms \"hi\"\n";

#[test]
fn nested_repeats_are_refused_by_check_build_and_test() {
    let dir = scratch("repeat_bound", "nested");
    std::fs::write(dir.join("f.dun"), NESTED).unwrap();
    for args in [
        vec!["check", "f.dun"],
        vec!["build", "f.dun", "-o", "f.dunc"],
        vec!["test", "f.dun"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_dun"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .expect("the dun binary runs");
        let shown = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(
            !out.status.success(),
            "`dun {}` accepted it",
            args.join(" ")
        );
        assert!(
            shown.contains("dun::structure::repeat_size"),
            "`dun {}`: {shown}",
            args.join(" ")
        );
    }
    assert!(!dir.join("f.dunc").exists());
}
