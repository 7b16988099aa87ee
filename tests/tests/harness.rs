//! The harness itself, driven against the bare Tauri window
//! (tests/bare-window): if these fail, the e2e scenarios' failures say nothing
//! about the app.

use plenary_e2e::{Error, Result, ensure, paths, scenario, source_excerpt};

#[test]
fn drives_the_bare_window() -> Result<()> {
    scenario("harness-bare-window", async |s| {
        let bare = paths::bare_window_binary()?;
        let app = s.launch_binary(&bare, &[]).await?;
        let heading = app.text("h1").await?;
        ensure!(
            heading == "Bare Tauri window",
            "the bare window's heading reads {heading:?}"
        );
        let shot = app.screenshot("bare-window").await?;
        let png = std::fs::read(&shot).map_err(|e| Error::io("reading the screenshot", e))?;
        ensure!(
            png.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            shot.display()
        );
        Ok(())
    })
}

#[test]
fn a_failing_wait_reports_what_the_page_looked_like() -> Result<()> {
    let outcome = scenario("harness-failure-report", async |s| {
        let bare = paths::bare_window_binary()?;
        let app = s.launch_binary(&bare, &[]).await?;
        app.wait_for("h1", plenary_e2e::WAIT).await?;
        app.wait_for("#no-such-element", std::time::Duration::from_secs(2))
            .await?;
        Ok(())
    });
    let Err(error) = outcome else {
        return Err(Error::Assertion(
            "waiting for a missing element succeeded".into(),
        ));
    };
    let report = error.to_string();
    for expected in [
        "timed out after 2s waiting for an element matching #no-such-element",
        "screenshot: ",
        "url: tauri://localhost",
        "<h1>Bare Tauri window</h1>",
    ] {
        ensure!(
            report.contains(expected),
            "the failure report lacks {expected:?}:\n{report}"
        );
    }
    Ok(())
}

#[test]
fn page_source_excerpts_drop_styles_and_scripts() {
    let source = "<html><head><title>x</title></head><body>\n <style>p{color:red}</style><p>Hi   there</p><script>var a = 1;</script></body></html>";
    assert_eq!(
        source_excerpt(source, 1000),
        "<body>\n<style>…</style>\n<p>Hi there</p>\n<script>…</script>\n</body>\n</html>"
    );
    assert!(source_excerpt(&"a".repeat(50), 10).starts_with("aaaaaaaaaa… [40 more bytes]"));
}
