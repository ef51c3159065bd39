//! The fixture harness: every `tests/cases/**/*.dun` file is a test.
//!
//! For each fixture:
//! - `snapshot::PATH`: its source and its rendered diagnostics, snapshotted
//!   together (`tests/cases/snapshots/`), and the folder's promise kept:
//!   `valid/` fixtures are clean, `invalid/` and `syntax/` ones are not;
//! - `spans::PATH`: every diagnostic and syntax-tree span lies in the file,
//!   on character boundaries, inside its parent's span;
//! - `prefixes::PATH`: analysing every prefix of the file never panics (as
//!   an editor does while someone types). Examples (`examples/**/*.dun`) get
//!   this test too.
//!
//! - `cascade::PATH` for `tests/cases/cascade/` fixtures (see `cascade`):
//!   every marked mistake is reported on its own line, no error lands on
//!   another line, and with the fixes applied the file is clean.
//!
//! - `fix::PATH` for `tests/cases/fix/` fixtures (see `fixes`): `dun check
//!   --fix` leaves them as they are (a renamed name is not a safe fix), and
//!   `dun check --fix --unsafe-fixes` rewrites them into a file that checks
//!   without errors; the rewritten file is snapshotted.
//!
//! And once for all: every code emitted is explained in docs/errors.md, and
//! every code explained there has a fixture that triggers it; in the whole
//! cascade corpus at most one warning lands on an unmarked line.
//!
//! Run one group with a filter: `cargo test --test cases -- spans::`.

use dun_compiler::diagnostics::render::{human::Human, FileReport};
use dun_compiler::diagnostics::{Diagnostic, Severity};
use dun_compiler::modules::FileId;
use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Files under a `lib/` folder are imported by fixtures, not fixtures of
    // their own: their diagnostics are snapshotted with the fixture's.
    let fixtures: Vec<PathBuf> = dun_files(&root.join("tests/cases"))
        .into_iter()
        .filter(|f| !f.components().any(|c| c.as_os_str() == "lib"))
        .collect();
    let examples = dun_files(&root.join("examples"));

    let mut trials = Vec::new();
    for fixture in &fixtures {
        let name = relative(root, fixture);
        let path = fixture.clone();
        trials.push(Trial::test(format!("snapshot::{name}"), move || {
            snapshot(&path)
        }));
        let path = fixture.clone();
        trials.push(Trial::test(format!("spans::{name}"), move || {
            spans::check(&path)
        }));
    }
    // The cascade corpus is variations on one flow whose broken lines the
    // syntax fixtures already cover; analysing every prefix of its 32 files
    // would triple the run for nothing new.
    let outside_corpus = |f: &&PathBuf| !f.components().any(|c| c.as_os_str() == "cascade");
    for file in fixtures.iter().filter(outside_corpus).chain(&examples) {
        let name = relative(root, file);
        let path = file.clone();
        trials.push(Trial::test(format!("prefixes::{name}"), move || {
            never_panics_on_any_prefix(&path)
        }));
    }
    let corpus: Vec<PathBuf> = fixtures
        .iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "cascade"))
        .cloned()
        .collect();
    for fixture in &corpus {
        let name = relative(root, fixture);
        let path = fixture.clone();
        trials.push(Trial::test(format!("cascade::{name}"), move || {
            cascade::check(&path).map(|_| ())
        }));
    }
    for fixture in fixtures
        .iter()
        .filter(|f| f.components().any(|c| c.as_os_str() == "fix"))
    {
        let name = relative(root, fixture);
        let path = fixture.clone();
        trials.push(Trial::test(format!("fix::{name}"), move || {
            fixes::check(&path)
        }));
    }
    trials.push(Trial::test(
        "cascade::at_most_one_knock_on_warning_in_the_corpus",
        move || cascade::corpus_warnings(&corpus),
    ));
    trials.push(Trial::test(
        "cascade::the_check_itself_catches_a_knock_on_error",
        cascade::self_test,
    ));
    trials.push(Trial::test(
        "spans::the_check_itself_catches_bad_spans",
        spans::self_test,
    ));
    let all = fixtures.clone();
    trials.push(Trial::test(
        "codes::every_emitted_code_is_documented",
        move || every_emitted_code_is_documented(&all),
    ));
    let all = fixtures.clone();
    trials.push(Trial::test(
        "codes::every_documented_code_has_a_fixture",
        move || every_documented_code_has_a_fixture(&all),
    ));

    libtest_mimic::run(&args, trials).exit();
}

/// Every `*.dun` file below `folder`, sorted; none when it does not exist.
fn dun_files(folder: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(folder)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .map(walkdir::DirEntry::into_path)
        .filter(|path| path.extension().is_some_and(|ext| ext == "dun"))
        .collect();
    files.sort();
    files
}

/// `tests/cases/syntax/x.dun`, with forward slashes on every system.
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(path: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()).into())
}

/// The promise a fixture's folder makes about it.
#[derive(Debug, PartialEq)]
enum Expect {
    Clean,
    Findings,
    Anything,
}

fn expectation(path: &Path) -> Expect {
    let folder = |name: &str| path.components().any(|c| c.as_os_str() == name);
    if folder("valid") {
        Expect::Clean
    } else if folder("invalid") || folder("syntax") || folder("cascade") || folder("fix") {
        Expect::Findings
    } else {
        Expect::Anything
    }
}

fn snapshot(path: &Path) -> Result<(), Failed> {
    let text = read(path)?;
    // Relative to the package root (cargo runs tests there), as a user names
    // a flow on the command line: messages that print a path then read the
    // same in every checkout.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let analysis = dun_compiler::analyze(Some(path.strip_prefix(root).unwrap_or(path)), &text);
    let cases = root.join("tests/cases");
    let shown = relative(&cases, path);
    // Each file's diagnostics in that file: the fixture's, then each
    // imported file's.
    let parts = analysis
        .sources
        .split(&shown, &text, analysis.diagnostics.clone());
    let mut rendered = String::new();
    for part in &parts {
        let (path, body) = match part.file {
            FileId::Root => (shown.as_str(), text.as_str()),
            FileId::Imported(i) => {
                let f = &analysis.sources.imported[i];
                (f.shown.as_str(), f.text.as_str())
            }
        };
        rendered.push_str(&Human::plain().render_file(&FileReport {
            path,
            text: body,
            diagnostics: &part.diagnostics,
        }));
    }

    let mut content = String::from("source:\n");
    for (number, line) in text.lines().enumerate() {
        content.push_str(format!("{:>4} | {line}", number + 1).trim_end());
        content.push('\n');
    }
    for f in &analysis.sources.imported {
        content.push_str(&format!("\nsource of {}:\n", f.shown));
        for (number, line) in f.text.lines().enumerate() {
            content.push_str(format!("{:>4} | {line}", number + 1).trim_end());
            content.push('\n');
        }
    }
    content.push_str("\ndiagnostics:\n");
    if rendered.is_empty() {
        content.push_str("(none)\n");
    } else {
        content.push_str(&rendered);
    }
    let name = shown.trim_end_matches(".dun").replace('/', "__");
    insta::with_settings!({
        snapshot_path => cases.join("snapshots"),
        prepend_module_to_snapshot => false,
        input_file => path,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, content);
    });

    let findings: Vec<&Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .collect();
    match expectation(path) {
        Expect::Clean if !findings.is_empty() => {
            Err(format!("{shown} is under valid/ but has findings:\n{rendered}").into())
        }
        Expect::Findings if findings.is_empty() => Err(format!(
            "{shown} is under invalid/ or syntax/ but has no error or warning; \
             a fixture there must show the mistake it is named after"
        )
        .into()),
        _ => Ok(()),
    }
}

fn never_panics_on_any_prefix(path: &Path) -> Result<(), Failed> {
    let text = read(path)?;
    let ends = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    for end in ends {
        let prefix = &text[..end];
        let run = std::panic::catch_unwind(|| dun_compiler::analyze(Some(path), prefix));
        if run.is_err() {
            let tail: String = prefix
                .chars()
                .rev()
                .take(40)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return Err(format!(
                "analysis panicked on the first {end} bytes of {}, which end with {tail:?}",
                path.display()
            )
            .into());
        }
    }
    Ok(())
}

/// The codes `dun explain --list` knows: the catalogue the binary ships.
fn documented_codes() -> Result<BTreeSet<String>, Failed> {
    let output = Command::new(env!("CARGO_BIN_EXE_dun"))
        .args(["explain", "--list"])
        .output()
        .map_err(|e| format!("cannot run dun: {e}"))?;
    if !output.status.success() {
        return Err(format!("`dun explain --list` failed: {output:?}").into());
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect())
}

/// Which fixtures emit each code.
fn emitted_codes(fixtures: &[PathBuf]) -> Result<Vec<(String, PathBuf)>, Failed> {
    let mut emitted = Vec::new();
    for path in fixtures {
        let text = read(path)?;
        for diagnostic in dun_compiler::analyze(Some(path), &text).diagnostics {
            emitted.push((diagnostic.code.to_string(), path.clone()));
        }
    }
    Ok(emitted)
}

fn every_emitted_code_is_documented(fixtures: &[PathBuf]) -> Result<(), Failed> {
    let documented = documented_codes()?;
    let missing: BTreeSet<String> = emitted_codes(fixtures)?
        .into_iter()
        .filter(|(code, _)| !documented.contains(code))
        .map(|(code, path)| format!("{code} (emitted by {})", path.display()))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "codes without a `## CODE` section in docs/errors.md:\n  {}",
            missing.into_iter().collect::<Vec<_>>().join("\n  ")
        )
        .into())
    }
}

/// Codes that no small fixture can trigger, each with where it is tested
/// instead. Keep this list short: every other code needs a fixture.
/// The migration findings compare a flow with the compiled machine of an
/// earlier version (`dun check --from`), which a fixture file cannot give.
const MIGRATE_REASON: &str = "needs the old version's machine (`dun check --from`); compiler/src/migrate/tests.rs raises it from two versions of a flow, and tests/live.rs through the binary";

const NOT_FROM_A_FIXTURE: &[(&str, &str)] = &[
    (
        "dun::modules::too_many",
        "needs 257 imported files or 16 MiB of imports; compiler/src/modules/tests.rs raises it",
    ),
    (
        "dun::test::failed",
        "the language server says it when a flow test run from the editor fails; tests/lsp.rs and the pytest-lsp suite cover it",
    ),
    (
        "dun::syntax::template_placeholder",
        "said inside a template file; `dun check` reports it as dun::templates::invalid_text, which has fixtures",
    ),
    (
        "dun::lower::unresolved",
        "`dun build` says it only when the checker let a mistake through; no fixture can reach it",
    ),
    (
        "dun::lower::template_file",
        "needs a template file changed between check and build; compiler/src/lower/tests.rs covers it",
    ),
    (
        "dun::lower::unsupported",
        "`dun build` says it only when the checker let a mistake through; no fixture can reach it",
    ),
    (
        "dun::syntax::too_large",
        "needs a file over 16 MiB; tested in compiler/src/syntax/tests.rs",
    ),
    (
        "dun::migrate::other_flow",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::not_later",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::no_migration",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::unknown_old_stage",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::unmapped",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::template_gone",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::held_contact",
        MIGRATE_REASON,
    ),
    (
        "dun::migrate::new_cap",
        MIGRATE_REASON,
    ),
    (
        "dun::fmt::refused",
        "only a formatter bug emits it; tests/fmt.rs proves on every fixture that formatting keeps the tree and every comment",
    ),
];

fn every_documented_code_has_a_fixture(fixtures: &[PathBuf]) -> Result<(), Failed> {
    let emitted: BTreeSet<String> = emitted_codes(fixtures)?
        .into_iter()
        .map(|(code, _)| code)
        .collect();
    let missing: Vec<String> = documented_codes()?
        .into_iter()
        .filter(|code| !emitted.contains(code))
        .filter(|code| !NOT_FROM_A_FIXTURE.iter().any(|(exempt, _)| exempt == code))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "codes in docs/errors.md that no fixture under tests/cases/ triggers \
             (add a fixture for each):\n  {}",
            missing.join("\n  ")
        )
        .into())
    }
}

/// The span invariant, checked over the whole syntax tree.
mod spans {
    use super::{read, Failed};
    use dun_compiler::syntax::ast::*;
    use std::path::Path;

    pub fn check(path: &Path) -> Result<(), Failed> {
        let text = read(path)?;
        let analysis = dun_compiler::analyze(Some(path), &text);
        let mut problems_of = Vec::new();
        let mut walker = Walker {
            text: &text,
            problems: Vec::new(),
        };
        let whole = Span::new(0, text.len());
        // Diagnostics in each file's own offsets, the syntax tree of an
        // imported file in the flow's span space, where that file's text
        // starts at its base.
        let parts = analysis
            .sources
            .split("", &text, analysis.diagnostics.clone());
        let padded: Vec<String> = analysis
            .sources
            .imported
            .iter()
            .map(|f| "\n".repeat(f.base as usize) + &f.text)
            .collect();
        for part in &parts {
            let (body, whole) = match part.file {
                dun_compiler::modules::FileId::Root => (text.as_str(), whole),
                dun_compiler::modules::FileId::Imported(i) => {
                    let body = analysis.sources.imported[i].text.as_str();
                    (body, Span::new(0, body.len()))
                }
            };
            let mut walker = Walker {
                text: body,
                problems: Vec::new(),
            };
            for diagnostic in &part.diagnostics {
                let what = format!("diagnostic {}", diagnostic.code);
                walker.span(whole, diagnostic.primary.span, &what);
                for label in &diagnostic.secondary {
                    walker.span(whole, label.span, &format!("{what}, secondary label"));
                }
            }
            problems_of.extend(walker.problems);
        }
        for comment in &analysis.file.comments {
            walker.span(whole, comment.span, "comment");
        }
        for decl in analysis.own_decls() {
            walker.decl(whole, decl);
        }
        for decl in &analysis.file.decls[analysis.own_decls().len()..] {
            let file = analysis.sources.file_of(decl.span().start);
            if let dun_compiler::modules::FileId::Imported(i) = file {
                let mut inner = Walker {
                    text: &padded[i],
                    problems: Vec::new(),
                };
                inner.decl(Span::new(0, padded[i].len()), decl);
                problems_of.extend(inner.problems);
            }
        }
        walker.problems.extend(problems_of);
        if walker.problems.is_empty() {
            Ok(())
        } else {
            Err(walker.problems.join("\n").into())
        }
    }

    /// A check that never fails proves nothing: feed it broken spans.
    pub fn self_test() -> Result<(), Failed> {
        let text = "ñx";
        let mut walker = Walker {
            text,
            problems: Vec::new(),
        };
        let parent = Span::new(0, 3);
        walker.span(parent, Span::new(0, 2), "good");
        walker.span(parent, Span::new(1, 2), "inside a character");
        walker.span(parent, Span::new(2, 1), "backwards");
        walker.span(parent, Span::new(0, 9), "past the end");
        walker.span(Span::new(2, 3), Span::new(0, 3), "outside its parent");
        if walker.problems.len() == 4 {
            Ok(())
        } else {
            Err(format!("expected 4 problems, got {:?}", walker.problems).into())
        }
    }

    struct Walker<'a> {
        text: &'a str,
        problems: Vec<String>,
    }

    impl Walker<'_> {
        /// `span` is well formed and lies inside `parent`.
        fn span(&mut self, parent: Span, span: Span, what: &str) {
            let (start, end) = (span.start as usize, span.end as usize);
            let text = self.text;
            let problem = if start > end {
                Some("starts after it ends")
            } else if end > text.len() {
                Some("ends past the end of the file")
            } else if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                Some("cuts a character in two")
            } else if span.start < parent.start || span.end > parent.end {
                Some("sticks out of its parent")
            } else {
                None
            };
            if let Some(problem) = problem {
                self.problems.push(format!(
                    "{what} at {start}..{end} {problem} (parent {}..{})",
                    parent.start, parent.end
                ));
            }
        }

        fn ident(&mut self, parent: Span, ident: &Ident, what: &str) {
            self.span(parent, ident.span, &format!("{what} `{}`", ident.name));
        }

        fn decl(&mut self, file: Span, decl: &Decl) {
            match decl {
                Decl::Flow(d) => {
                    self.span(file, d.span, "flow");
                    self.ident(d.span, &d.name, "flow name");
                    if let Some((_, span)) = d.version {
                        self.span(d.span, span, "flow version");
                    }
                }
                Decl::Currency(d) => {
                    self.span(file, d.span, "currency");
                    self.ident(d.span, &d.code, "currency code");
                }
                Decl::Account(d) => {
                    self.span(file, d.span, "account");
                    self.fields(d.span, &d.fields);
                }
                Decl::Event(d) => {
                    self.span(file, d.span, "event");
                    self.ident(d.span, &d.name, "event name");
                    self.fields(d.span, &d.fields);
                }
                Decl::Action(d) => {
                    self.span(file, d.span, "action");
                    self.ident(d.span, &d.name, "action name");
                    self.fields(d.span, &d.fields);
                }
                Decl::Calendar(d) => {
                    self.span(file, d.span, "calendar");
                    self.ident(d.span, &d.name, "calendar name");
                    for day in &d.weekend {
                        self.ident(d.span, day, "weekend day");
                    }
                    for (_, span) in &d.holidays {
                        self.span(d.span, *span, "holiday");
                    }
                }
                Decl::Policy(d) => {
                    self.span(file, d.span, "policy");
                    for rule in &d.rules {
                        self.rule(d.span, rule);
                    }
                }
                Decl::Var(d) => {
                    self.span(file, d.span, "var");
                    self.ident(d.span, &d.name, "variable name");
                    self.ty(d.span, &d.ty);
                    self.expr(d.span, &d.init);
                }
                Decl::Segment(d) => {
                    self.span(file, d.span, "segment");
                    self.ident(d.span, &d.name, "segment name");
                    self.expr(d.span, &d.cond);
                }
                Decl::Template(d) => {
                    self.span(file, d.span, "template");
                    self.ident(d.span, &d.name, "template name");
                    self.ident(d.span, &d.channel, "template channel");
                    match &d.body {
                        TemplateBody::Text(t) | TemplateBody::File(t) => self.text(d.span, t),
                        TemplateBody::Email { subject, body } => {
                            self.text(d.span, subject);
                            self.text(d.span, body);
                        }
                        TemplateBody::Languages(texts) => {
                            for t in texts {
                                self.span(d.span, t.span, "language text");
                                self.ident(t.span, &t.language, "language");
                                if let Some(l) = &t.locale {
                                    self.text(t.span, l);
                                }
                                if let Some(a) = &t.approved {
                                    self.span(t.span, a.span, "approval");
                                    self.text(a.span, &a.name);
                                    self.text(a.span, &a.language);
                                }
                                match &t.body {
                                    TemplateBody::Email { subject, body } => {
                                        self.text(t.span, subject);
                                        self.text(t.span, body);
                                    }
                                    TemplateBody::Text(b) | TemplateBody::File(b) => {
                                        self.text(t.span, b)
                                    }
                                    TemplateBody::Languages(_) => {}
                                }
                            }
                        }
                    }
                    if let Some(l) = &d.locale {
                        self.text(d.span, l);
                    }
                    if let Some(a) = &d.approved {
                        self.span(d.span, a.span, "approval");
                        self.text(a.span, &a.name);
                        self.text(a.span, &a.language);
                    }
                }
                Decl::Locale(d) => {
                    self.span(file, d.span, "locale");
                    self.text(d.span, &d.name);
                }
                Decl::Language(d) => {
                    self.span(file, d.span, "language");
                    self.expr(d.span, &d.field);
                    self.ident(d.span, &d.fallback, "fallback language");
                }
                Decl::Handler(h) => {
                    self.span(file, h.span, "handler");
                    self.handler(h);
                }
                Decl::Start(d) => {
                    self.span(file, d.span, "start");
                    self.ident(d.span, &d.stage, "start stage");
                }
                Decl::Reenter(d) => self.span(file, d.span, "reenter"),
                Decl::Payments(d) => {
                    self.span(file, d.span, "payments");
                    self.ident(d.span, &d.event, "payment event");
                    self.ident(d.span, &d.field, "payment field");
                }
                Decl::Import(d) => {
                    self.span(file, d.span, "import");
                    self.span(d.span, d.path.span, "import path");
                }
                Decl::Deadline(d) => {
                    self.span(file, d.span, "deadline");
                    self.deadline(d);
                }
                Decl::Migrate(d) => {
                    self.span(file, d.span, "migrate");
                    for mv in &d.moves {
                        self.ident(d.span, &mv.from, "migrated stage");
                        self.ident(d.span, &mv.to, "migration target");
                    }
                }
                Decl::Stage(d) => {
                    self.span(file, d.span, "stage");
                    self.ident(d.span, &d.name, "stage name");
                    for h in &d.handlers {
                        self.span(d.span, h.span, "stage handler");
                        self.handler(h);
                    }
                    for dl in &d.deadlines {
                        self.span(d.span, dl.span, "stage deadline");
                        self.deadline(dl);
                    }
                    self.block(d.span, &d.body);
                }
                Decl::Test(d) => {
                    self.span(file, d.span, "test");
                    self.text(d.span, &d.title);
                    for item in &d.items {
                        self.test_item(d.span, item);
                    }
                }
            }
        }

        fn deadline(&mut self, d: &dun_compiler::syntax::ast::Deadline) {
            self.expr(d.span, &d.at);
            if let Some(w) = &d.when {
                self.expr(d.span, w);
            }
            self.ident(d.span, &d.stage, "deadline target");
        }

        fn fields(&mut self, parent: Span, fields: &[FieldDecl]) {
            for field in fields {
                self.span(parent, field.span, "field");
                self.ident(field.span, &field.name, "field name");
                self.ty(field.span, &field.ty);
            }
        }

        fn ty(&mut self, parent: Span, ty: &TypeExpr) {
            self.span(parent, ty.span, "type");
            match &ty.kind {
                TypeExprKind::Named(name) => self.ident(ty.span, name, "type name"),
                TypeExprKind::Enum(variants) => {
                    for variant in variants {
                        self.ident(ty.span, variant, "enumeration variant");
                    }
                }
            }
        }

        fn rule(&mut self, parent: Span, rule: &PolicyRule) {
            let at = rule.span;
            self.span(parent, at, "policy rule");
            match &rule.kind {
                PolicyRuleKind::ContactHours {
                    from,
                    to,
                    zone,
                    also,
                } => {
                    self.span(at, from.1, "contact hours start");
                    self.span(at, to.1, "contact hours end");
                    for zone in zone.iter().chain(also) {
                        self.expr(at, zone);
                    }
                }
                PolicyRuleKind::NoContactDays(days) => {
                    for day in days {
                        self.ident(at, day, "day");
                    }
                }
                PolicyRuleKind::NoContactHolidays(calendar) => self.ident(at, calendar, "calendar"),
                PolicyRuleKind::AtMost {
                    count,
                    channels,
                    window,
                } => {
                    self.span(at, count.1, "count");
                    self.ident(at, channels, "channels");
                    self.duration(at, window);
                }
                PolicyRuleKind::AtMostPerWeek {
                    count,
                    channels,
                    week,
                } => {
                    self.span(at, count.1, "count");
                    self.ident(at, channels, "channels");
                    self.span(at, *week, "calendar week");
                }
                PolicyRuleKind::Pause {
                    channels,
                    duration,
                    event,
                    when,
                } => {
                    self.ident(at, channels, "channels");
                    self.duration(at, duration);
                    self.ident(at, event, "event");
                    self.opt_expr(at, when);
                }
                PolicyRuleKind::Stop {
                    channels,
                    event,
                    when,
                } => {
                    self.ident(at, channels, "channels");
                    self.ident(at, event, "event");
                    self.opt_expr(at, when);
                }
                PolicyRuleKind::PauseWhilePromise { channels }
                | PolicyRuleKind::PauseWhilePlan { channels }
                | PolicyRuleKind::PauseWhileSettlement { channels } => {
                    self.ident(at, channels, "channels");
                }
                PolicyRuleKind::Hold {
                    channels,
                    event,
                    release,
                    longest,
                    when,
                    fees,
                } => {
                    self.ident(at, channels, "channels");
                    if let Some(fees) = fees {
                        self.span(at, *fees, "and fees");
                    }
                    self.ident(at, event, "event");
                    self.ident(at, release, "releasing event");
                    if let Some(d) = longest {
                        self.duration(at, d);
                    }
                    self.opt_expr(at, when);
                }
                PolicyRuleKind::Windows {
                    channels,
                    windows,
                    zone,
                    also,
                } => {
                    if let Some(also) = also {
                        self.expr(at, also);
                    }
                    if let Some(c) = channels {
                        self.ident(at, c, "channels");
                    }
                    for w in windows {
                        self.span(at, w.span, "window");
                        self.span(w.span, w.from.1, "window start");
                        self.span(w.span, w.to.1, "window end");
                        for d in &w.days {
                            self.ident(w.span, &d.first, "day");
                            if let Some(last) = &d.last {
                                self.ident(w.span, last, "day");
                            }
                        }
                    }
                    if let Some(zone) = zone {
                        self.expr(at, zone);
                    }
                }
                PolicyRuleKind::FeeCap { limit, window } => {
                    match limit {
                        FeeLimit::Count((_, span)) => self.span(at, *span, "fee count"),
                        FeeLimit::Amount(amount) => self.expr(at, amount),
                    }
                    self.duration(at, window);
                }
                PolicyRuleKind::Person(field) => self.expr(at, field),
            }
        }

        fn handler(&mut self, h: &Handler) {
            self.ident(h.span, &h.event, "handler event");
            self.opt_expr(h.span, &h.when);
            match &h.body {
                HandlerBody::Goto(stage) => self.ident(h.span, stage, "handler target"),
                HandlerBody::Block(block) => self.block(h.span, block),
            }
        }

        fn block(&mut self, parent: Span, block: &Block) {
            self.span(parent, block.span, "block");
            for step in &block.steps {
                self.step(block.span, step);
            }
        }

        fn step(&mut self, parent: Span, step: &Step) {
            let at = step.span;
            self.span(parent, at, "step");
            match &step.kind {
                StepKind::Send {
                    channel,
                    template,
                    to,
                    when,
                } => {
                    self.ident(at, channel, "channel");
                    self.ident(at, template, "template");
                    if let Some(to) = to {
                        self.ident(at, to, "recipient field");
                    }
                    self.opt_expr(at, when);
                }
                StepKind::Call {
                    queue,
                    priority,
                    when,
                } => {
                    for name in queue.iter().chain(priority) {
                        self.ident(at, name, "call option");
                    }
                    self.opt_expr(at, when);
                }
                StepKind::Wait(WaitKind::For(duration)) => self.duration(at, duration),
                StepKind::Wait(WaitKind::Until(expr)) => self.expr(at, expr),
                StepKind::If {
                    branches,
                    otherwise,
                } => {
                    for (cond, block) in branches {
                        self.expr(at, cond);
                        self.block(at, block);
                    }
                    if let Some(block) = otherwise {
                        self.block(at, block);
                    }
                }
                StepKind::Repeat { count, body } => {
                    self.span(at, count.1, "repeat count");
                    self.block(at, body);
                }
                StepKind::Split { arms } => {
                    for arm in arms {
                        self.span(at, arm.span, "split arm");
                        self.span(arm.span, arm.share.1, "split share");
                        self.ident(arm.span, &arm.stage, "split stage");
                    }
                }
                StepKind::Goto(name) | StepKind::End(name) => self.ident(at, name, "target"),
                StepKind::Set { var, value } => {
                    self.ident(at, var, "variable");
                    self.expr(at, value);
                }
                StepKind::AssignQueue { queue, priority } => {
                    self.ident(at, queue, "queue");
                    if let Some(priority) = priority {
                        self.ident(at, priority, "priority");
                    }
                }
                StepKind::AssignAgency(name) => self.text(at, name),
                StepKind::PlaceAgency { agency, period } => {
                    self.text(at, agency);
                    self.duration(at, period);
                }
                StepKind::OfferDiscount { percent, duration } => {
                    self.span(at, percent.1, "discount");
                    if let Some(duration) = duration {
                        self.duration(at, duration);
                    }
                }
                StepKind::OfferPlan {
                    installments,
                    every,
                    ..
                } => {
                    self.span(at, installments.1, "installments");
                    self.duration(at, every);
                }
                StepKind::Alert { team, text } => {
                    self.ident(at, team, "team");
                    self.text(at, text);
                }
                StepKind::Emit { action, fields } => {
                    self.ident(at, action, "action");
                    self.field_values(at, fields);
                }
                StepKind::ChargeFee {
                    amount,
                    reason,
                    when,
                } => {
                    self.expr(at, amount);
                    if let Some(reason) = reason {
                        self.text(at, reason);
                    }
                    self.opt_expr(at, when);
                }
                StepKind::Interest { .. } => {}
                StepKind::Promise { amount, by, grace } => {
                    self.expr(at, amount);
                    self.expr(at, by);
                    if let Some(g) = grace {
                        self.duration(at, g);
                    }
                }
                StepKind::Plan {
                    amount,
                    count,
                    every,
                    from,
                    grace,
                } => {
                    self.expr(at, amount);
                    self.expr(at, count);
                    self.duration(at, every);
                    self.expr(at, from);
                    if let Some(g) = grace {
                        self.duration(at, g);
                    }
                }
                StepKind::OfferSettlement { terms, until } => {
                    match terms {
                        SettlementTerms::Amount(amount) => self.expr(at, amount),
                        SettlementTerms::Discount((_, span)) => self.span(at, *span, "discount"),
                    }
                    self.expr(at, until);
                }
            }
        }

        fn test_item(&mut self, parent: Span, item: &TestItem) {
            let at = item.span;
            self.span(parent, at, "test line");
            if let Some(name) = &item.account {
                self.ident(at, name, "test account");
            }
            match &item.kind {
                TestItemKind::Given(fields) => self.field_values(at, fields),
                TestItemKind::Start { zone, .. } => {
                    if let Some(zone) = zone {
                        self.text(at, zone);
                    }
                }
                TestItemKind::OnDay {
                    day,
                    at: time,
                    action,
                } => {
                    self.span(at, day.1, "day");
                    if let Some((_, span)) = time {
                        self.span(at, *span, "time of day");
                    }
                    match action {
                        TestAction::Receive { event, fields } => {
                            self.ident(at, event, "event");
                            self.field_values(at, fields);
                        }
                        TestAction::Update(fields) => self.field_values(at, fields),
                        TestAction::Expect(expectation) => self.expectation(at, expectation),
                    }
                }
                TestItemKind::Arm(stage) => self.ident(at, stage, "split arm"),
            }
        }

        fn expectation(&mut self, at: Span, expectation: &Expectation) {
            match expectation {
                Expectation::Sent { channel, template } => {
                    self.ident(at, channel, "channel");
                    self.ident(at, template, "template");
                }
                Expectation::SentIn {
                    channel,
                    template,
                    language,
                } => {
                    self.ident(at, channel, "channel");
                    self.ident(at, template, "template");
                    self.ident(at, language, "language");
                }
                Expectation::Call { queue } => {
                    if let Some(queue) = queue {
                        self.ident(at, queue, "queue");
                    }
                }
                Expectation::No { channels } => self.ident(at, channels, "channels"),
                Expectation::AssignedQueue(name)
                | Expectation::Alert(name)
                | Expectation::Emitted(name)
                | Expectation::Stage(name)
                | Expectation::End(name) => self.ident(at, name, "expected name"),
                Expectation::AssignedAgency(text) => self.text(at, text),
                Expectation::RecalledAgency(text) => self.text(at, text),
                Expectation::OfferDiscount((_, span)) => self.span(at, *span, "discount"),
                Expectation::Var { var, value } => {
                    self.ident(at, var, "variable");
                    self.expr(at, value);
                }
                Expectation::OfferPlan {
                    installments,
                    every,
                    span,
                    ..
                } => {
                    self.span(at, *span, "expected plan");
                    if let Some((_, n)) = installments {
                        self.span(*span, *n, "installments");
                    }
                    if let Some(every) = every {
                        self.duration(*span, every);
                    }
                }
                Expectation::ChargedFee {
                    amount,
                    reason,
                    span,
                } => {
                    self.span(at, *span, "expected fee");
                    if let Some(amount) = amount {
                        self.expr(*span, amount);
                    }
                    if let Some(reason) = reason {
                        self.text(*span, reason);
                    }
                }
                Expectation::NoFee(span) | Expectation::InterestFrozen { span, .. } => {
                    self.span(at, *span, "expectation")
                }
                Expectation::Promise(state) => self.ident(at, state, "promise state"),
                Expectation::Plan(state) => self.ident(at, state, "plan state"),
                Expectation::InstallmentMissed(span) => self.span(at, *span, "installment missed"),
                Expectation::Settlement(state) => self.ident(at, state, "settlement state"),
                Expectation::OfferSettlement {
                    amount,
                    until,
                    span,
                } => {
                    self.span(at, *span, "expected settlement");
                    if let Some(amount) = amount {
                        self.expr(*span, amount);
                    }
                    if let Some((_, day)) = until {
                        self.span(*span, *day, "last day");
                    }
                }
            }
        }

        fn field_values(&mut self, parent: Span, fields: &[FieldValue]) {
            for field in fields {
                self.span(parent, field.span, "field value");
                self.ident(field.span, &field.name, "field name");
                self.expr(field.span, &field.value);
            }
        }

        fn duration(&mut self, parent: Span, duration: &DurationLit) {
            self.span(parent, duration.span, "duration");
            if let Some(calendar) = &duration.calendar {
                self.ident(duration.span, calendar, "calendar");
            }
        }

        fn text(&mut self, parent: Span, text: &Text) {
            self.span(parent, text.span, "text");
            for part in &text.parts {
                match part {
                    TextPart::Literal(_, span) => self.span(text.span, *span, "literal text"),
                    TextPart::Placeholder(expr) => self.expr(text.span, expr),
                }
            }
        }

        fn opt_expr(&mut self, parent: Span, expr: &Option<Expr>) {
            if let Some(expr) = expr {
                self.expr(parent, expr);
            }
        }

        fn expr(&mut self, parent: Span, expr: &Expr) {
            let at = expr.span;
            self.span(parent, at, "expression");
            match &expr.kind {
                ExprKind::Money { currency, .. } => self.ident(at, currency, "currency"),
                ExprKind::Duration(duration) => self.duration(at, duration),
                ExprKind::Text(text) => self.text(at, text),
                ExprKind::Name(name) => self.ident(at, name, "name"),
                ExprKind::Field {
                    root_span, field, ..
                } => {
                    self.span(at, *root_span, "field root");
                    self.ident(at, field, "field");
                }
                ExprKind::Unary { expr: inner, .. } | ExprKind::IsSet(inner) => {
                    self.expr(at, inner)
                }
                ExprKind::Binary { lhs, rhs, .. } => {
                    self.expr(at, lhs);
                    self.expr(at, rhs);
                }
                ExprKind::In { expr: inner, list } => {
                    self.expr(at, inner);
                    for item in list {
                        self.expr(at, item);
                    }
                }
                ExprKind::Number(_)
                | ExprKind::Percent(_)
                | ExprKind::Date(_)
                | ExprKind::Time(_)
                | ExprKind::DateTime(..)
                | ExprKind::Bool(_)
                | ExprKind::Today
                | ExprKind::Now => {}
            }
        }
    }
}

/// The cascade corpus: files with several independent mistakes, each marked
/// by a comment line above it,
///
/// ```text
/// # mistake: what is wrong
/// # fix: the line as it should be
/// the broken line
/// ```
///
/// A file passes when each broken line has a diagnostic, no error lands on
/// any other line (an error there would be a knock-on one, which fixing the
/// real mistakes removes), and the file with every fix applied is clean, so
/// the marked mistakes are all there is.
mod cascade {
    use super::*;

    pub struct Marked {
        /// 1-based numbers of the broken lines.
        pub lines: BTreeSet<usize>,
        pub fixed: String,
    }

    pub fn marks(text: &str) -> Result<Marked, Failed> {
        let lines: Vec<&str> = text.split('\n').collect();
        let mut marked = BTreeSet::new();
        let mut fixed: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.trim_start().starts_with("# mistake:") {
                continue;
            }
            let fix = lines
                .get(i + 1)
                .and_then(|l| l.trim_start().strip_prefix("# fix:"))
                .ok_or_else(|| {
                    format!("line {}: `# mistake:` must be followed by `# fix:`", i + 1)
                })?;
            let target = i + 2;
            let broken = lines
                .get(target)
                .ok_or_else(|| format!("line {}: a mistake mark at the end of the file", i + 1))?;
            let indent = &broken[..broken.len() - broken.trim_start().len()];
            fixed[target] = format!("{indent}{}", fix.trim());
            marked.insert(target + 1);
        }
        if !(2..=6).contains(&marked.len()) {
            return Err(format!(
                "a cascade fixture holds 2 to 6 marked mistakes, this one {}",
                marked.len()
            )
            .into());
        }
        Ok(Marked {
            lines: marked,
            fixed: fixed.join("\n"),
        })
    }

    fn line_of(text: &str, offset: u32) -> usize {
        text[..(offset as usize).min(text.len())]
            .matches('\n')
            .count()
            + 1
    }

    /// Checks one fixture; returns the warnings on unmarked lines.
    pub fn check(path: &Path) -> Result<Vec<String>, Failed> {
        let text = read(path)?;
        let marked = marks(&text)?;
        let analysis = dun_compiler::analyze(Some(path), &text);
        verdict(path, &text, &marked, &analysis.diagnostics)?;
        let clean = dun_compiler::analyze(Some(path), &marked.fixed);
        let left: Vec<String> = clean
            .diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Note)
            .map(|d| {
                format!(
                    "line {}: {}",
                    line_of(&marked.fixed, d.primary.span.start),
                    d.message
                )
            })
            .collect();
        if !left.is_empty() {
            return Err(format!(
                "{}: with the marked fixes applied the file still has findings, so a mistake is unmarked: {left:?}",
                path.display()
            )
            .into());
        }
        Ok(analysis
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .filter(|d| !marked.lines.contains(&line_of(&text, d.primary.span.start)))
            .map(|d| {
                format!(
                    "{}:{}: {}",
                    path.display(),
                    line_of(&text, d.primary.span.start),
                    d.message
                )
            })
            .collect())
    }

    fn verdict(
        path: &Path,
        text: &str,
        marked: &Marked,
        diagnostics: &[Diagnostic],
    ) -> Result<(), Failed> {
        let reported: BTreeSet<usize> = diagnostics
            .iter()
            .filter(|d| d.severity != Severity::Note)
            .map(|d| line_of(text, d.primary.span.start))
            .collect();
        let missed: Vec<&usize> = marked.lines.difference(&reported).collect();
        let knock_on: Vec<String> = diagnostics
            .iter()
            .filter(|d| d.is_error())
            .filter(|d| !marked.lines.contains(&line_of(text, d.primary.span.start)))
            .map(|d| {
                format!(
                    "line {}: {} ({})",
                    line_of(text, d.primary.span.start),
                    d.message,
                    d.code
                )
            })
            .collect();
        if !missed.is_empty() || !knock_on.is_empty() {
            return Err(format!(
                "{}: mistakes not reported on their line: {missed:?}; errors on lines without a mistake: {knock_on:?}",
                path.display()
            )
            .into());
        }
        Ok(())
    }

    pub fn corpus_warnings(corpus: &[PathBuf]) -> Result<(), Failed> {
        if corpus.len() < 30 {
            return Err(format!(
                "the cascade corpus holds {} files, fewer than 30",
                corpus.len()
            )
            .into());
        }
        let mut warnings = Vec::new();
        for path in corpus {
            // A fixture that fails on its own is reported by its own trial.
            if let Ok(found) = check(path) {
                warnings.extend(found);
            }
        }
        if warnings.len() > 1 {
            return Err(format!(
                "knock-on warnings in the corpus (at most one allowed): {warnings:#?}"
            )
            .into());
        }
        Ok(())
    }

    /// The verdict fails on a knock-on error and on a mistake left silent.
    pub fn self_test() -> Result<(), Failed> {
        let text = "stage a {\n# mistake: x\n# fix: goto b\ngoto c\n}\n";
        let marked = marks(&format!("{text}# mistake: y\n# fix: end\nend\n"))?;
        let at = |line: usize| {
            let start: usize = text.split('\n').take(line - 1).map(|l| l.len() + 1).sum();
            Diagnostic::error(
                "dun::x::y",
                "m",
                dun_compiler::syntax::ast::Span::new(start, start + 1),
            )
        };
        let path = Path::new("self_test.dun");
        if verdict(path, text, &marked, &[at(4), at(1)]).is_ok() {
            return Err("an error on an unmarked line passed".into());
        }
        if verdict(path, text, &marked, &[at(4)]).is_ok() {
            return Err("a marked mistake without a diagnostic passed".into());
        }
        Ok(())
    }
}

/// `dun check --fix` on a copy of a fixture, as a user runs it.
mod fixes {
    use super::{read, relative, Failed};
    use std::path::Path;
    use std::process::Command;

    fn run(file: &Path, flags: &[&str]) -> Result<std::process::Output, Failed> {
        Command::new(env!("CARGO_BIN_EXE_dun"))
            .args(["check", "--color", "never"])
            .args(flags)
            .arg(file)
            .output()
            .map_err(|e| format!("cannot run dun: {e}").into())
    }

    pub fn check(path: &Path) -> Result<(), Failed> {
        let text = read(path)?;
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let cases = root.join("tests/cases");
        let shown = relative(&cases, path);
        let name = shown.trim_end_matches(".dun").replace('/', "__");
        let copy = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fix-{name}.dun"));
        std::fs::write(&copy, &text)
            .map_err(|e| format!("cannot write {}: {e}", copy.display()))?;

        run(&copy, &["--fix"])?;
        if read(&copy)? != text {
            return Err(
                format!("`dun check --fix` changed {shown}: its fixes are not all safe").into(),
            );
        }

        let out = run(&copy, &["--fix", "--unsafe-fixes"])?;
        let fixed = read(&copy)?;
        let report = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            return Err(format!(
                "{shown} still has errors after `dun check --fix --unsafe-fixes`:\n{report}"
            )
            .into());
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let summary = stderr
            .lines()
            .find(|l| l.starts_with("fixed "))
            .map(|l| l.replace(&copy.display().to_string(), &shown))
            .unwrap_or_default();
        insta::with_settings!({
            snapshot_path => cases.join("snapshots"),
            prepend_module_to_snapshot => false,
            input_file => path,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("fixed__{name}"), format!("{summary}\n\n{fixed}"));
        });
        Ok(())
    }
}
