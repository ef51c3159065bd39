//! Headless Chromium for the tests that look at what a person sees: the
//! HTML report and the SVG diagrams. Without Chromium the tests say why
//! they did not run; under `CI=true` they fail instead (`.ci/run`
//! installs the Debian package `chromium`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The Chromium binary, or `None` (after saying so) outside CI.
pub fn find() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = Command::new("which").arg(name).output() {
            if out.status.success() {
                let p = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if !p.is_empty() {
                    return Some(PathBuf::from(p));
                }
            }
        }
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("Chromium is not installed, and CI=true needs it: apt-get install chromium");
    }
    eprintln!("skipped: Chromium is not installed (apt-get install chromium)");
    None
}

fn headless(bin: &Path, profile: &Path, width: u32, height: u32) -> Command {
    let mut c = Command::new("timeout");
    c.arg("120").arg(bin).args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
    ]);
    let _ = std::fs::remove_dir_all(profile);
    c.arg(format!("--user-data-dir={}", profile.display()));
    c.arg(format!("--window-size={width},{height}"));
    c
}

fn url(page: &Path) -> String {
    format!("file://{}", page.canonicalize().unwrap().display())
}

/// The page's DOM once loaded, at a viewport of `width`.
pub fn dom(bin: &Path, page: &Path, width: u32) -> String {
    let profile = page.with_extension(format!("profile-{width}"));
    let out = headless(bin, &profile, width, 900)
        .arg("--dump-dom")
        .arg(url(page))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium --dump-dom failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A screenshot of the page at `width` × `height`, written to `png`.
pub fn screenshot(bin: &Path, page: &Path, width: u32, height: u32, png: &Path) {
    let profile = png.with_extension("profile");
    let out = headless(bin, &profile, width, height)
        .arg(format!("--screenshot={}", png.display()))
        .arg(url(page))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium --screenshot failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(png).expect("a screenshot");
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    // Width and height from the IHDR chunk.
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    assert_eq!(
        (w, h),
        (width, height),
        "the screenshot has the window's size"
    );
}

/// Headless Chromium's window is at least 500 pixels wide, so a page is
/// shown at a phone's width inside an iframe of that width (`srcdoc`, so
/// the host can read it): the host page for `html` at `width`, with
/// `script` run once the frame has loaded.
pub fn host(html: &str, width: u32, height: u32, script: &str) -> String {
    let doc = html.replace('&', "&amp;").replace('"', "&quot;");
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body style=\"margin:0\"><iframe id=\"f\" style=\"border:0;display:block;width:{width}px;height:{height}px\" srcdoc=\"{doc}\"></iframe>{script}</body></html>"
    )
}

/// A script that, once the frame is laid out, appends to the host a
/// `<pre id="probe">` with the frame's viewport width, its document's
/// scroll width and every element that reaches past either side of the
/// viewport; and, for every `<svg>`, its drawn size, its viewBox, the
/// bounding box of what is drawn in it, and the median height of its text
/// as shown.
pub const PROBE: &str = r#"<script>
window.addEventListener('load', function () {
  var d = document.getElementById('f').contentDocument;
  var W = d.documentElement.clientWidth, bad = [];
  d.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.width > 0 && (r.right > W + 0.5 || r.left < -0.5))
      bad.push(e.tagName + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  });
  var svgs = [];
  d.querySelectorAll('svg').forEach(function (s) {
    var r = s.getBoundingClientRect(), b = s.getBBox();
    var vb = s.viewBox && s.viewBox.baseVal;
    var sizes = [];
    s.querySelectorAll('text').forEach(function (t) {
      sizes.push(t.getBoundingClientRect().height);
    });
    sizes.sort(function (a, b) { return a - b; });
    svgs.push([Math.round(r.width), Math.round(r.height),
      vb ? Math.round(vb.width) : 0, vb ? Math.round(vb.height) : 0,
      Math.round(b.width), Math.round(b.height),
      sizes.length ? sizes[Math.floor(sizes.length / 2)].toFixed(1) : 0].join(' '));
  });
  var p = document.createElement('pre');
  p.id = 'probe';
  p.textContent = 'width=' + W + ';scroll=' + d.documentElement.scrollWidth +
    ';overflowing=' + bad.length + ';' + bad.slice(0, 10).join(',') + ';svg=' + svgs.join('|') + ';end';
  document.body.appendChild(p);
});
</script>"#;

/// What the probe found.
#[derive(Debug)]
pub struct Probe {
    pub width: u32,
    pub scroll: u32,
    pub overflowing: Vec<String>,
    /// Per SVG: shown width and height, viewBox width and height, drawn
    /// content width and height (in viewBox units), median text height in
    /// CSS pixels as shown.
    pub svgs: Vec<[f64; 7]>,
}

/// Loads `html` with the probe at `width` and reads what it found.
pub fn probe(bin: &Path, dir: &Path, html: &str, width: u32) -> Probe {
    let page = dir.join(format!("probe-{width}.html"));
    std::fs::write(&page, host(html, width, 900, PROBE)).unwrap();
    let profile = page.with_extension("profile");
    let out = headless(bin, &profile, width.max(500), 900)
        .arg("--dump-dom")
        .arg(url(&page))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    let start = dom.find("<pre id=\"probe\">").expect("the probe ran") + 16;
    let text = &dom[start..];
    let text = &text[..text.find(";end").expect("the probe's end")];
    let field = |name: &str| -> &str {
        text.split(';')
            .find_map(|f| f.strip_prefix(name))
            .unwrap_or("")
    };
    let overflowing: Vec<String> = text
        .split(';')
        .nth(3)
        .unwrap_or("")
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let svgs = field("svg=")
        .split('|')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let v: Vec<f64> = s.split(' ').map(|x| x.parse().unwrap_or(0.0)).collect();
            let mut a = [0.0; 7];
            for (i, x) in v.iter().take(7).enumerate() {
                a[i] = *x;
            }
            a
        })
        .collect();
    Probe {
        width: field("width=").parse().unwrap_or(0),
        scroll: field("scroll=").parse().unwrap_or(0),
        overflowing: if field("overflowing=") == "0" {
            vec![]
        } else {
            overflowing
        },
        svgs,
    }
}

/// A screenshot of `html` shown `width` pixels wide (in a window at least
/// 500 wide: the rest is blank), written to `png`.
pub fn screenshot_at(bin: &Path, dir: &Path, html: &str, width: u32, height: u32, png: &Path) {
    let page = dir.join(format!("shot-{width}.html"));
    std::fs::write(&page, host(html, width, height, "")).unwrap();
    screenshot(bin, &page, width.max(500), height, png);
}
