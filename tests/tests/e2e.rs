//! End-to-end scenarios: the real app binary, a real cache on disk, WebKit
//! rendering, driven like a delegate would. One scenario = one `#[test]`
//! function calling [`scenario`]; screenshots land in
//! `target/e2e-artifacts/<scenario>/` (paths are printed).

use plenary_demo::facts;
use plenary_e2e::{Error, Result, WAIT, ensure, scenario, testid, testid_where};
use serde_json::{Value, json};

/// Finds the text layer that contains `phrase` (compared after Unicode NFKC
/// normalisation and with all whitespace removed: pdf.js splits text into
/// positioned spans, so spaces between runs are not reliable) and reports its
/// direction. Returns `{found, dir, direction, sample}`.
const TEXT_LAYER_WITH: &str = r#"
const phrase = arguments[0];
const norm = (s) => (s || '').normalize('NFKC').replace(/\s+/g, '');
const layers = [...document.querySelectorAll('[data-testid="text-layer"]')];
const hit = layers.find((l) => norm(l.textContent).includes(norm(phrase)));
if (!hit) {
  return {
    found: false,
    layers: layers.length,
    sample: layers.map((l) => l.textContent).join(' | ').slice(0, 300),
  };
}
return {
  found: true,
  dir: hit.getAttribute('dir') || hit.closest('[dir]')?.getAttribute('dir') || null,
  direction: getComputedStyle(hit).direction,
  sample: hit.textContent.slice(0, 200),
};
"#;

/// The ids of the document rows on the page, sorted.
const DOCUMENT_ROW_IDS: &str = r#"
return [...document.querySelectorAll('[data-testid="document-row"]')]
  .map((r) => r.getAttribute('data-document-id'))
  .sort();
"#;

/// What the cache says the pages should show, read before the app starts.
struct Expected {
    /// Documents under `facts::AGENDA_ITEM_ID`, sorted.
    under_item: Vec<String>,
    /// The agenda item `facts::DOCUMENT_ID` is filed under.
    document_item: String,
}

impl Expected {
    fn read(cache_dir: &std::path::Path) -> Result<Self> {
        let setup = |e: plenary_core::Error| Error::Setup(format!("reading the seeded cache: {e}"));
        let cache = plenary_core::Cache::open(cache_dir).map_err(setup)?;
        let meeting = facts::MEETING_ID
            .parse()
            .map_err(|e| Error::Setup(format!("{e}")))?;
        let overview = cache.meeting_overview(&meeting).map_err(setup)?;
        let mut under_item: Vec<String> = overview
            .documents
            .iter()
            .filter(|d| {
                d.document.agenda_item_id.as_ref().map(|a| a.as_str())
                    == Some(facts::AGENDA_ITEM_ID)
            })
            .map(|d| d.document.id.to_string())
            .collect();
        under_item.sort();
        let document = facts::DOCUMENT_ID
            .parse()
            .map_err(|e| Error::Setup(format!("{e}")))?;
        let document_item = cache
            .document(&document)
            .map_err(setup)?
            .document
            .agenda_item_id
            .ok_or_else(|| Error::Setup(format!("{} is under no agenda item", facts::DOCUMENT_ID)))?
            .to_string();
        Ok(Expected {
            under_item,
            document_item,
        })
    }
}

/// The Home key, as WebDriver sends it.
const HOME_KEY: &str = "\u{E011}";
/// The right arrow key, as WebDriver sends it.
const RIGHT_KEY: &str = "\u{E014}";

fn found(v: &Value) -> bool {
    v["found"] == json!(true)
}

#[test]
fn opens_a_document_in_english_then_arabic() -> Result<()> {
    scenario("open-document", async |s| {
        let cache = s.seeded_cache()?;
        let expected = Expected::read(&cache)?;
        let app = s.launch(&cache, &[]).await?;

        // The meeting list shows the demo meeting.
        app.wait_for_testid("meeting-list").await?;
        let card = testid_where("meeting-card", "data-meeting-id", facts::MEETING_ID);
        let card_text = app.text(&card).await?;
        ensure!(
            card_text.contains(facts::MEETING_TITLE),
            "the meeting card reads {card_text:?}, expected it to contain {:?}",
            facts::MEETING_TITLE
        );
        app.screenshot("meeting-list").await?;

        // The meeting page, with its agenda.
        app.click(&card).await?;
        let heading = app.text_of_testid("meeting-title").await?;
        ensure!(
            heading.contains(facts::MEETING_TITLE),
            "the meeting page heading reads {heading:?}"
        );
        app.screenshot("meeting").await?;

        // Choosing an agenda item narrows the documents to those under it.
        app.click(&testid_where(
            "agenda-item",
            "data-agenda-item-id",
            facts::AGENDA_ITEM_ID,
        ))
        .await?;
        app.poll(
            &format!("the documents of agenda item {}", facts::AGENDA_ITEM_ID),
            WAIT,
            DOCUMENT_ROW_IDS,
            vec![],
            |v| *v == json!(expected.under_item),
        )
        .await?;
        app.screenshot("agenda-item").await?;
        ensure!(
            !expected.under_item.is_empty(),
            "the demo has no documents under {}",
            facts::AGENDA_ITEM_ID
        );

        // The document sits under its own agenda item (which may be another one).
        if expected.document_item != facts::AGENDA_ITEM_ID {
            app.click(&testid_where(
                "agenda-item",
                "data-agenda-item-id",
                &expected.document_item,
            ))
            .await?;
        }
        let row = testid_where("document-row", "data-document-id", facts::DOCUMENT_ID);
        app.wait_for(&row, WAIT).await?;
        app.click(&row).await?;

        // The reader opens in English, with the PDF's text layer.
        let title = app.text_of_testid("doc-title").await?;
        ensure!(
            title.trim() == facts::DOCUMENT_TITLE_EN,
            "the reader's title reads {title:?}, expected {:?}",
            facts::DOCUMENT_TITLE_EN
        );
        app.wait_for(&testid("pdf-page"), WAIT).await?;
        app.poll(
            &format!(
                "the English text layer to contain {:?}",
                facts::DOCUMENT_PHRASE_EN
            ),
            WAIT,
            TEXT_LAYER_WITH,
            vec![json!(facts::DOCUMENT_PHRASE_EN)],
            found,
        )
        .await?;
        app.screenshot("document-en").await?;

        // Find in this document: the phrase is counted and marked on its page
        // (pdf.js reads each page's text through a stream that WebKitGTK
        // could not iterate, so find once failed on every PDF).
        app.send_keys(
            &testid("find-input"),
            &format!("{}{ENTER}", facts::DOCUMENT_PHRASE_EN),
        )
        .await?;
        let count = app
            .poll(
                "find in this document to count its matches",
                WAIT,
                "const c = document.querySelector(arguments[0]); \
                 return c && !c.textContent.includes('…') ? Number(c.dataset.count) : null;",
                vec![json!(testid("find-count"))],
                |v| v.is_number(),
            )
            .await?;
        ensure!(
            count == json!(1),
            "find in this document counted {count} matches of {:?}, expected 1 (app error: {:?})",
            facts::DOCUMENT_PHRASE_EN,
            app.eval(
                "return document.querySelector('[data-testid=app-error]')?.textContent ?? null;",
                vec![]
            )
            .await?
        );
        let marked = app
            .poll(
                "the match to be marked in the text layer",
                WAIT,
                "return [...document.querySelectorAll('.textLayer mark.hl.current')].map(m => m.textContent).join('') || null;",
                vec![],
                |v| v.is_string(),
            )
            .await?;
        let no_space = |s: &str| s.split_whitespace().collect::<String>();
        ensure!(
            marked.as_str().map(no_space) == Some(no_space(facts::DOCUMENT_PHRASE_EN)),
            "the current match is marked as {marked}, expected {:?}",
            facts::DOCUMENT_PHRASE_EN
        );
        app.screenshot("document-en-find").await?;

        // Arabic, chosen from the keyboard: Home on the language tabs
        // selects the first (Arabic), which keeps the focus; the tab is
        // selected and the text layer runs right to left.
        let english_tab = testid_where("language-tab", "data-lang", "en");
        let arabic_tab = testid_where("language-tab", "data-lang", "ar");
        app.send_keys(&english_tab, HOME_KEY).await?;
        let tab = app
            .poll(
                "the Arabic tab to be selected, with the focus",
                WAIT,
                "const t = document.querySelector(arguments[0]); return { selected: t?.getAttribute('aria-selected'), focused: document.activeElement === t, stops: [...document.querySelectorAll('[data-testid=language-tab]')].filter((b) => b.tabIndex === 0).map((b) => b.dataset.lang) };",
                vec![json!(arabic_tab)],
                |v| v["selected"] == "true" && v["focused"] == true,
            )
            .await?;
        ensure!(
            tab["stops"] == json!(["ar"]),
            "only the selected language tab is in the Tab order, found {}",
            tab["stops"]
        );
        let layer = app
            .poll(
                &format!(
                    "the Arabic text layer to contain {:?}",
                    facts::ARABIC_PHRASE
                ),
                WAIT,
                TEXT_LAYER_WITH,
                vec![json!(facts::ARABIC_PHRASE)],
                found,
            )
            .await?;
        app.screenshot("document-ar").await?;
        ensure!(
            layer["dir"] == "rtl" || layer["direction"] == "rtl",
            "the Arabic text layer is not right-to-left: {layer}"
        );
        Ok(())
    })
}

#[test]
fn a_cache_from_a_newer_version_is_refused_with_an_explanation() -> Result<()> {
    scenario("cache-too-new", async |s| {
        let cache = s.seeded_cache()?;
        let db = cache.join(plenary_core::cache::DATABASE_FILE);
        let conn = rusqlite::Connection::open(&db)
            .map_err(|e| Error::Setup(format!("opening {}: {e}", db.display())))?;
        conn.pragma_update(None, "user_version", 999)
            .map_err(|e| Error::Setup(format!("setting user_version in {}: {e}", db.display())))?;
        drop(conn);

        let app = s.launch(&cache, &[]).await?;
        let message = app.text_of_testid("app-error").await?;
        app.screenshot("app-error").await?;
        ensure!(
            message.to_lowercase().contains("newer version"),
            "the error screen reads {message:?}, expected it to mention a newer version"
        );
        Ok(())
    })
}

/// Command 1's path: an empty cache, the real server publishing the demo, the
/// app syncing it in; then the server goes away and the documents stay
/// readable, with the status saying the server cannot be reached.
#[test]
fn syncs_the_demo_meeting_from_the_server_then_reads_it_offline() -> Result<()> {
    scenario("sync-from-server", async |s| {
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let cache = s.temp_dir()?.join("cache");
        let app = s.launch(&cache, &["--server", &url]).await?;

        // The meeting arrives through sync: the list starts empty.
        let card = testid_where("meeting-card", "data-meeting-id", facts::MEETING_ID);
        app.wait_for(&card, WAIT).await?;
        let status = testid("sync-status");
        app.poll(
            "the sync status to say online and idle",
            WAIT,
            "const e = document.querySelector(arguments[0]); return e && [e.dataset.connection, e.dataset.syncing];",
            vec![json!(status)],
            |v| *v == json!(["online", "false"]),
        )
        .await?;
        let label = app.text(&status).await?;
        ensure!(
            label.contains("Up to date"),
            "the sync status reads {label:?}, expected \"Up to date\""
        );
        app.screenshot("synced-meeting-list").await?;

        // A synced document opens with its text (its file came from the server).
        app.click(&card).await?;
        app.wait_for_testid("meeting-title").await?;
        let row = testid_where("document-row", "data-document-id", facts::DOCUMENT_ID);
        app.wait_for(&row, WAIT).await?;
        app.click(&row).await?;
        app.poll(
            &format!(
                "the English text layer to contain {:?}",
                facts::DOCUMENT_PHRASE_EN
            ),
            WAIT,
            TEXT_LAYER_WITH,
            vec![json!(facts::DOCUMENT_PHRASE_EN)],
            found,
        )
        .await?;
        // Page 1's picture came with the file's text and stood in for the
        // page while pdf.js loaded; pdf.js's page has replaced it.
        app.poll(
            "pdf.js's page 1 to replace the server's picture of it",
            WAIT,
            "const p = document.querySelector('.pdf-page[data-page-number=\"1\"]'); return !!p && p.dataset.rendered === 'true' && !document.querySelector('.pdf-preview, [data-testid=pdf-preview]');",
            vec![],
            |v| *v == json!(true),
        )
        .await?;
        let read = app
            .eval(
                "return performance.getEntriesByName('pdf-preview-read').length;",
                vec![],
            )
            .await?;
        ensure!(
            read == json!(1),
            "the reader read page 1's preview from the cache once, not {read}"
        );

        // The server goes away: the live sync notices (its event stream
        // ends), the status says so, and the document stays readable.
        s.server(server).kill();
        app.poll(
            "the sync status to say the server cannot be reached",
            WAIT,
            "return document.querySelector(arguments[0])?.dataset.connection;",
            vec![json!(status)],
            |v| v == "offline" || v == "unreachable",
        )
        .await?;
        let label = app.text(&status).await?;
        ensure!(
            label.contains("Offline") || label.contains("unreachable"),
            "the sync status reads {label:?}, expected it to say the server cannot be reached"
        );
        app.poll(
            "the document to stay readable offline",
            WAIT,
            TEXT_LAYER_WITH,
            vec![json!(facts::DOCUMENT_PHRASE_EN)],
            found,
        )
        .await?;
        app.screenshot("offline-document").await?;
        Ok(())
    })
}

/// Issue 3, staff in the app: with a staff token, choose a file on the demo
/// draft, confirm, and see the new revision arrive through the feed and open.
#[test]
fn staff_publish_a_new_revision_from_the_reader() -> Result<()> {
    scenario("staff-publish", async |s| {
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let token = s.server(server).create_token("staff")?;
        let cache = s.temp_dir()?.join("cache");
        let file = s.temp_dir()?.join("crp1-rev4.txt");
        const PHRASE: &str =
            "States Parties decide to convene an intersessional meeting on victim assistance";
        std::fs::write(
            &file,
            format!("DRAFT FINAL REPORT (Rev.4)\n\n1. {PHRASE} in 2025.\n"),
        )
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;

        let app = s
            .launch(
                &cache,
                &[
                    "--server",
                    &url,
                    "--token",
                    &token,
                    "--route",
                    &format!("/documents/{}", facts::DRAFT_DOCUMENT_ID),
                ],
            )
            .await?;
        // The staff tools appear once the app knows the token's role; the
        // reader opened in English, which the dialog starts with.
        open_publish_dialog(&app, &file, "Rev.4").await?;
        let summary = app.text_of_testid("publish-summary").await?;
        ensure!(
            summary.contains("crp1-rev4.txt") && summary.contains("Rev.4"),
            "the confirmation reads {summary:?}"
        );
        app.screenshot("confirm").await?;
        confirm_publish(&app).await?;
        app.screenshot("arrived").await?;
        app.click(&testid("publish-open-new")).await?;
        app.poll(
            "the new revision's text to show",
            WAIT,
            "return document.querySelector(arguments[0])?.textContent ?? '';",
            vec![json!(testid("doc-text"))],
            |v| v.as_str().is_some_and(|t| t.contains(PHRASE)),
        )
        .await?;
        let picked = app
            .eval(
                "const s = document.querySelector(arguments[0]); return s.options[s.selectedIndex].text;",
                vec![json!(testid("revision-picker"))],
            )
            .await?;
        ensure!(
            picked.as_str().is_some_and(|t| t.contains("Rev.4")),
            "the revision picker shows {picked}"
        );
        app.screenshot("new-revision").await?;
        Ok(())
    })
}

/// Staff in the reader: opens "Publish a version", chooses `file` and types
/// the revision `label`.
async fn open_publish_dialog(
    app: &plenary_e2e::App,
    file: &std::path::Path,
    label: &str,
) -> Result<()> {
    app.click(&testid("publish-open")).await?;
    app.send_keys(&testid("publish-file"), &file.display().to_string())
        .await?;
    app.eval(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('input', {bubbles: true}));",
        vec![json!(testid("publish-label")), json!(label)],
    )
    .await?;
    Ok(())
}

/// Confirms the publish dialog and waits until the new version is back
/// through the server's feed.
async fn confirm_publish(app: &plenary_e2e::App) -> Result<()> {
    app.click(&testid("publish-confirm")).await?;
    app.poll(
        "the new version to arrive through the feed",
        WAIT,
        "return document.querySelector(arguments[0])?.dataset.arrived;",
        vec![json!(testid("publish-result"))],
        |v| v == "true",
    )
    .await?;
    Ok(())
}

/// Selects `phrase` in the PDF's text layer as a user dragging over it
/// would (waiting until the page that holds it is drawn).
async fn select_in_pdf(app: &plenary_e2e::App, what: &str, phrase: &str) -> Result<()> {
    app.poll(
        what,
        WAIT,
        SELECT_TEXT,
        vec![json!(".pdf-pages"), json!(phrase)],
        |v| v == true,
    )
    .await?;
    Ok(())
}

/// Sets a `<select>` to `value` as a user would (the change event fires).
const SELECT_VALUE: &str = r#"
const e = document.querySelector(arguments[0]);
if (!e) throw new Error('no element matches ' + arguments[0]);
e.value = arguments[1];
e.dispatchEvent(new Event('change', { bubbles: true }));
return e.value;
"#;

/// The marked words on one PDF page, and whether the page is the one in view.
const MARKS_ON_PAGE: &str = r#"
const page = document.querySelector(`[data-testid="pdf-page"][data-page-number="${arguments[0]}"]`);
const shown = document.querySelector('[data-testid="page-count"]')?.dataset.page;
return {
  shown: shown ? Number(shown) : null,
  marks: page ? [...page.querySelectorAll('mark.hl')].map((m) => m.textContent) : [],
};
"#;

const ENTER: &str = "\u{E007}";

/// Waits until the sync status says online and idle.
async fn wait_synced(app: &plenary_e2e::App) -> Result<()> {
    app.poll(
        "the sync status to say online and idle",
        WAIT,
        "const e = document.querySelector(arguments[0]); return e && [e.dataset.connection, e.dataset.syncing];",
        vec![json!(testid("sync-status"))],
        |v| *v == json!(["online", "false"]),
    )
    .await?;
    Ok(())
}

/// Issue 5: search the synced meeting for a French word typed without its
/// accent and open the hit at its page with the word marked; find a Chinese
/// phrase with no spaces; then, with the server gone, search and read on.
#[test]
fn searches_in_french_and_chinese_and_keeps_searching_offline() -> Result<()> {
    scenario("search", async |s| {
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let cache = s.temp_dir()?.join("cache");
        let app = s.launch(&cache, &["--server", &url]).await?;
        app.wait_for(
            &testid_where("meeting-card", "data-meeting-id", facts::MEETING_ID),
            WAIT,
        )
        .await?;
        wait_synced(&app).await?;

        // French, typed without the accent, in French documents only.
        app.send_keys(
            &testid("search-input"),
            &format!("{}{ENTER}", facts::DRAFT_FRENCH_WORD_UNACCENTED),
        )
        .await?;
        app.wait_for_testid("search-screen").await?;
        app.eval(
            SELECT_VALUE,
            vec![json!(testid("search-language")), json!("fr")],
        )
        .await?;
        let hit = format!(
            "{}[data-lang=\"fr\"]",
            testid_where("search-hit", "data-document-id", facts::DRAFT_DOCUMENT_ID)
        );
        app.wait_for(&hit, WAIT).await?;
        let snippet = app
            .text(&format!("{hit} {}", testid("search-snippet")))
            .await?;
        ensure!(
            snippet.contains(facts::DRAFT_FRENCH_WORD),
            "the French hit's snippet reads {snippet:?}, expected it to show {:?}",
            facts::DRAFT_FRENCH_WORD
        );
        let page: u32 = app
            .attr(&hit, "data-page")
            .await?
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| Error::Setup("the hit has no data-page".into()))?;
        ensure!(
            page > 1,
            "the word is past page 1 of the draft, the hit says page {page}"
        );
        // The date filters, empty, read "any date" (not today's date in
        // grey, as WebKit draws an empty one).
        let from = testid("search-from");
        let empty = app
            .eval(
                "const w = document.querySelector(arguments[0]).parentElement; return { empty: w.dataset.empty, shows: getComputedStyle(w, '::after').content };",
                vec![json!(from)],
            )
            .await?;
        ensure!(
            empty["empty"] == "true"
                && empty["shows"]
                    .as_str()
                    .is_some_and(|c| c.contains("any date")),
            "the empty From filter should read \"any date\": {empty}"
        );
        app.screenshot("french-results").await?;
        // A date after the draft's last revision (13 September 2024) leaves
        // it out; cleared, it is back.
        app.eval(SELECT_VALUE, vec![json!(from), json!("2024-09-14")])
            .await?;
        app.poll(
            "the draft to be left out of results from 14 September 2024",
            WAIT,
            "const w = document.querySelector(arguments[1]).parentElement; return !document.querySelector(arguments[0]) && w.dataset.empty === 'false';",
            vec![json!(hit), json!(from)],
            |v| *v == json!(true),
        )
        .await?;
        app.eval(SELECT_VALUE, vec![json!(from), json!("")]).await?;
        app.wait_for(&hit, WAIT).await?;

        app.click(&hit).await?;
        let seen = app
            .poll(
                &format!("the reader to show page {page} with the word marked"),
                WAIT,
                MARKS_ON_PAGE,
                vec![json!(page)],
                // A word may span several text-layer fragments (the PDF
                // draws "ff" as one glyph run): its marks, joined, read it.
                |v| {
                    v["shown"] == json!(page)
                        && v["marks"].as_array().is_some_and(|m| {
                            m.iter()
                                .filter_map(Value::as_str)
                                .collect::<String>()
                                .contains(facts::DRAFT_FRENCH_WORD)
                        })
                },
            )
            .await?;
        println!("reader at the hit: {seen}");
        app.screenshot("french-hit-page").await?;

        // Chinese, a phrase without spaces.
        app.send_keys(
            &testid("search-input"),
            &format!("{}{ENTER}", facts::CHINESE_SEARCH_PHRASE),
        )
        .await?;
        let zh_hit = format!(
            "{}[data-lang=\"zh\"]",
            testid_where("search-hit", "data-document-id", facts::DOCUMENT_ID)
        );
        app.wait_for(&zh_hit, WAIT).await?;
        let snippet = app
            .text(&format!("{zh_hit} {}", testid("search-snippet")))
            .await?;
        ensure!(
            snippet.contains(facts::CHINESE_SEARCH_PHRASE),
            "the Chinese hit's snippet reads {snippet:?}"
        );
        app.screenshot("chinese-results").await?;

        // Offline: the server goes away; search and reading go on.
        s.server(server).kill();
        app.poll(
            "the sync status to say the server cannot be reached",
            WAIT,
            "return document.querySelector(arguments[0])?.dataset.connection;",
            vec![json!(testid("sync-status"))],
            |v| v == "offline" || v == "unreachable",
        )
        .await?;
        app.eval(
            "const e = document.querySelector(arguments[0]); e.value = ''; e.dispatchEvent(new Event('input', {bubbles: true}));",
            vec![json!(testid("search-input"))],
        )
        .await?;
        app.send_keys(
            &testid("search-input"),
            &format!("\"{}\"{ENTER}", facts::DOCUMENT_PHRASE_EN),
        )
        .await?;
        let en_hit = format!(
            "{}[data-lang=\"en\"]",
            testid_where("search-hit", "data-document-id", facts::DOCUMENT_ID)
        );
        app.wait_for(&en_hit, WAIT).await?;
        app.screenshot("offline-results").await?;
        app.click(&en_hit).await?;
        app.poll(
            "the hit's document to open offline",
            WAIT,
            TEXT_LAYER_WITH,
            vec![json!(facts::DOCUMENT_PHRASE_EN)],
            found,
        )
        .await?;
        app.screenshot("offline-hit").await?;
        Ok(())
    })
}

/// Issue 5: the interface in French, chosen in Settings, kept after a restart.
#[test]
fn the_interface_switches_to_french_and_stays_french() -> Result<()> {
    scenario("interface-french", async |s| {
        let cache = s.seeded_cache()?;
        let app = s.launch(&cache, &[]).await?;
        app.wait_for_testid("meeting-list").await?;
        app.click(&testid("open-settings")).await?;
        // The page's frame shows before its form (which waits for the
        // settings): wait for the control itself.
        app.wait_for_testid("ui-language").await?;
        app.eval(
            SELECT_VALUE,
            vec![json!(testid("ui-language")), json!("fr")],
        )
        .await?;
        app.poll(
            "the settings page to be in French",
            WAIT,
            "return document.querySelector('h1.page-title')?.textContent;",
            vec![],
            |v| v == "Paramètres",
        )
        .await?;
        app.screenshot("settings-fr").await?;

        app.click("a.brand").await?;
        app.wait_for_testid("meeting-list").await?;
        let heading = app.text("h1.page-title").await?;
        ensure!(
            heading == "Réunions",
            "the meeting list's heading reads {heading:?}"
        );
        let card = app
            .text(&testid_where(
                "meeting-card",
                "data-meeting-id",
                facts::MEETING_ID,
            ))
            .await?;
        ensure!(
            card.contains("déclarations"),
            "the meeting card reads {card:?}, expected its counts in French"
        );
        app.click(&testid_where(
            "meeting-card",
            "data-meeting-id",
            facts::MEETING_ID,
        ))
        .await?;
        let tab = app
            .text(&testid_where("meeting-tab", "data-tab", "statements"))
            .await?;
        ensure!(
            tab.starts_with("Déclarations"),
            "the statements tab reads {tab:?}"
        );
        app.screenshot("meeting-fr").await?;

        // Statements by delegation, the tab reached from the keyboard (the
        // right arrow on the selected Documents tab); the filter keeps that
        // delegation's only.
        app.send_keys(
            &testid_where("meeting-tab", "data-tab", "documents"),
            RIGHT_KEY,
        )
        .await?;
        app.poll(
            "the Statements tab to be selected, with the focus",
            WAIT,
            "const t = document.querySelector(arguments[0]); return t?.getAttribute('aria-selected') === 'true' && document.activeElement === t;",
            vec![json!(testid_where("meeting-tab", "data-tab", "statements"))],
            |v| *v == json!(true),
        )
        .await?;
        app.wait_for_testid("statement-delegation").await?;
        let all = app
            .eval(
                "return document.querySelectorAll(arguments[0]).length;",
                vec![json!(testid("statement-row"))],
            )
            .await?;
        let delegation = app
            .eval(
                "return document.querySelector(arguments[0]).options[1].value;",
                vec![json!(testid("statement-delegation"))],
            )
            .await?;
        app.eval(
            SELECT_VALUE,
            vec![json!(testid("statement-delegation")), delegation.clone()],
        )
        .await?;
        let rows = app
            .poll(
                "the statements of one delegation",
                WAIT,
                "return [...document.querySelectorAll(arguments[0])].map((r) => r.querySelector('.delegation').textContent);",
                vec![json!(testid("statement-row"))],
                |v| v.as_array().is_some_and(|r| r.len() < all.as_u64().unwrap_or(0) as usize),
            )
            .await?;
        ensure!(
            rows.as_array()
                .is_some_and(|r| !r.is_empty() && r.iter().all(|d| *d == delegation)),
            "filtered by {delegation}, the rows are {rows}"
        );
        let shown = app.text_of_testid("statements-shown").await?;
        ensure!(shown.contains(" sur "), "the count reads {shown:?}");
        app.screenshot("statements-by-delegation").await?;

        // The choice is stored: a restart opens in French.
        app.close().await?;
        let app = s.launch(&cache, &[]).await?;
        app.wait_for_testid("meeting-list").await?;
        let heading = app.text("h1.page-title").await?;
        ensure!(
            heading == "Réunions",
            "after a restart the heading reads {heading:?}, expected the stored French"
        );
        app.screenshot("restarted-fr").await?;
        Ok(())
    })
}

/// Issue 5 settings: a new user with no server enters one in Settings and the
/// meeting arrives; keeping only French offline then frees the other files.
#[test]
fn a_server_chosen_in_settings_syncs_and_languages_kept_offline_free_space() -> Result<()> {
    scenario("settings-server", async |s| {
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let cache = s.temp_dir()?.join("cache");
        let app = s.launch(&cache, &[]).await?;
        app.wait_for_testid("empty-state").await?;
        app.screenshot("empty").await?;
        app.click(&testid("open-settings")).await?;
        app.send_keys(&testid("server-url"), &url).await?;
        app.click(&testid("server-save")).await?;
        wait_synced(&app).await?;
        // The files arrive after the metadata: wait for Settings to count them.
        let before = app
            .poll(
                "Settings to show the downloaded files",
                WAIT,
                "return Number(document.querySelector(arguments[0])?.dataset.bytes ?? 0);",
                vec![json!(testid("space-total"))],
                |v| v.as_u64().is_some_and(|b| b > 0),
            )
            .await?
            .as_u64()
            .unwrap_or(0);
        app.screenshot("synced-settings").await?;

        app.click(&testid("keep-only")).await?;
        // "Only these" starts from every language: untick all but French,
        // one at a time (each change is saved before the next).
        for lang in ["ar", "zh", "en", "ru", "es"] {
            let box_ = testid_where("keep-language", "data-lang", lang);
            app.poll(
                &format!("the {lang} box to be enabled"),
                WAIT,
                "return !document.querySelector(arguments[0])?.disabled;",
                vec![json!(box_)],
                |v| v == true,
            )
            .await?;
            app.click(&box_).await?;
        }
        app.poll(
            "the languages kept offline to be French only",
            WAIT,
            "return [...document.querySelectorAll(arguments[0])].filter((c) => c.checked).map((c) => c.dataset.lang);",
            vec![json!(testid("keep-language"))],
            |v| *v == json!(["fr"]),
        )
        .await?;
        app.click(&testid("free-space")).await?;
        // Only French files remain (the files of other languages may still
        // have been arriving when `before` was read, so the check is on
        // which languages hold files, not on a byte count taken mid-sync).
        let after = app
            .poll(
                "the space used to be French files only",
                WAIT,
                r#"const total = document.querySelector(arguments[0]);
                   const langs = [...document.querySelectorAll('.space-table th[lang]')].map((t) => t.lang);
                   return [Number(total?.dataset.bytes ?? 0), langs];"#,
                vec![json!(testid("space-total"))],
                |v| v[0].as_u64().is_some_and(|b| b > 0) && v[1] == json!(["fr"]),
            )
            .await?;
        let after = after[0].as_u64().unwrap_or(0);
        println!("space used: {before} bytes, then {after} with French only");
        app.screenshot("french-only").await?;

        // The meeting is still listed (metadata stays for every language).
        app.click("a.brand").await?;
        app.wait_for(
            &testid_where("meeting-card", "data-meeting-id", facts::MEETING_ID),
            WAIT,
        )
        .await?;
        Ok(())
    })
}

/// Selects `arguments[1]` (whitespace ignored) inside `arguments[0]` as a
/// user dragging over it would, then releases the mouse in the reader.
/// Returns false while the text is not (yet) displayed.
const SELECT_TEXT: &str = r#"
const root = document.querySelector(arguments[0]);
if (!root) return false;
const phrase = arguments[1].replace(/\s+/g, '');
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
let all = '';
const map = [];
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  for (let i = 0; i < n.data.length; i++) {
    if (!/\s/.test(n.data[i])) { all += n.data[i]; map.push([n, i]); }
  }
}
const at = all.indexOf(phrase);
if (at < 0) return false;
const [sn, so] = map[at];
const [en, eo] = map[at + phrase.length - 1];
const r = document.createRange();
r.setStart(sn, so);
r.setEnd(en, eo + 1);
const sel = getSelection();
sel.removeAllRanges();
sel.addRange(r);
document.querySelector('.reader-main').dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
return true;
"#;

/// Issue 6: highlight and annotate the demo draft, publish the next
/// revision through the server, and find the note carried onto it, and the
/// note whose text was deleted in the unplaced list.
#[test]
fn notes_follow_the_draft_into_the_next_revision() -> Result<()> {
    scenario("notes-follow-revision", async |s| {
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let token = s.server(server).create_token("staff")?;
        let cache = s.temp_dir()?.join("cache");
        const NOTE: &str = "Our delegation supports keeping this wording.";
        let file = s.temp_dir()?.join("crp1-rev4.txt");
        // Rev.4 keeps paragraph 1's phrase (elsewhere) and drops the
        // reworded sentence of paragraph 3.
        std::fs::write(
            &file,
            format!(
                "DRAFT GENEVA DECLARATION (Rev.4)\n\nPreamble\n\n1. We, the States Parties, reaffirm our {} \
                 and our resolve to see it universalised.\n\n2. We welcome the progress made since the \
                 Eleventh Meeting.\n",
                facts::DRAFT_PHRASE_EN
            ),
        )
        .map_err(|e| Error::io(format!("writing {}", file.display()), e))?;

        let app = s
            .launch(
                &cache,
                &[
                    "--server",
                    &url,
                    "--token",
                    &token,
                    "--route",
                    &format!("/documents/{}?lang=en", facts::DRAFT_DOCUMENT_ID),
                ],
            )
            .await?;
        app.wait_for_testid("notes-panel").await?;

        // A note on paragraph 1's phrase.
        select_in_pdf(
            &app,
            "the draft's text layer to show paragraph 1 and the phrase to be selected",
            facts::DRAFT_PHRASE_EN,
        )
        .await?;
        app.wait_for_testid("selection-toolbar").await?;
        app.screenshot("selection-toolbar").await?;
        app.click(&testid("add-note")).await?;
        app.wait_for_testid("note-body-input").await?;
        app.send_keys(&testid("note-body-input"), NOTE).await?;
        app.send_keys(&testid("note-tags-input"), "universalisation")
            .await?;
        app.click(&testid("note-save")).await?;
        app.poll(
            "the saved note to show in the panel",
            WAIT,
            "return [...document.querySelectorAll(arguments[0])].map(e => e.textContent).join('|');",
            vec![json!(testid("note-body"))],
            |v| v.as_str().is_some_and(|t| t.contains(NOTE)),
        )
        .await?;
        app.poll(
            "the note's highlight to be drawn on the page",
            WAIT,
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(testid("note-highlight"))],
            |v| v.as_u64().is_some_and(|n| n > 0),
        )
        .await?;

        // A plain highlight on a sentence Rev.4 drops.
        select_in_pdf(
            &app,
            "the reworded sentence to be selected",
            facts::DRAFT_REWORDED_IN_REV1_EN,
        )
        .await?;
        app.click(&testid("highlight-green")).await?;
        app.poll(
            "two notes in the panel",
            WAIT,
            "return document.querySelector(arguments[0])?.dataset.count;",
            vec![json!(testid("notes-panel"))],
            |v| v == "2",
        )
        .await?;
        app.screenshot("annotated-rev3").await?;

        // Staff publish Rev.4.
        open_publish_dialog(&app, &file, "Rev.4").await?;
        confirm_publish(&app).await?;
        app.click(&testid("publish-open-new")).await?;

        // On Rev.4: the note is placed, the highlight is listed as unplaced.
        app.poll(
            "the note to be placed on Rev.4 with its text",
            WAIT,
            r#"const c = document.querySelector('[data-testid="placed-notes"] [data-testid="note-card"]');
               return c ? c.dataset.outcome + '|' + c.textContent : '';"#,
            vec![],
            |v| {
                v.as_str().is_some_and(|t| {
                    (t.starts_with("moved|") || t.starts_with("unchanged|")) && t.contains(NOTE)
                })
            },
        )
        .await?;
        app.poll(
            "the highlight whose text was deleted to be in the unplaced list",
            WAIT,
            "return document.querySelector(arguments[0])?.dataset.count;",
            vec![json!(testid("unplaced-notes"))],
            |v| v == "1",
        )
        .await?;
        let unplaced = app.text_of_testid("unplaced-notes").await?;
        ensure!(
            unplaced.contains(facts::DRAFT_REWORDED_IN_REV1_EN),
            "the unplaced list shows the old quote: {unplaced:?}"
        );
        app.poll(
            "the note's highlight on Rev.4's text",
            WAIT,
            "return document.querySelectorAll(arguments[0]).length;",
            vec![json!(testid("note-highlight"))],
            |v| v.as_u64().is_some_and(|n| n > 0),
        )
        .await?;
        app.screenshot("placed-on-rev4").await?;

        // The meeting's notes list both, on Rev.4, the deleted one flagged.
        app.eval(
            "location.hash = arguments[0];",
            vec![json!(format!("#/meetings/{}?tab=notes", facts::MEETING_ID))],
        )
        .await?;
        app.poll(
            "the meeting's notes to list both notes",
            WAIT,
            "return [...document.querySelectorAll(arguments[0])].map(e => e.dataset.outcome).sort().join(',');",
            vec![json!(testid("meeting-note"))],
            |v| v == "moved,orphaned" || v == "orphaned,unchanged",
        )
        .await?;
        app.screenshot("meeting-notes").await?;
        Ok(())
    })
}

/// Issue 6, sharing: Alice (the app) and Bob (a second computer, the same
/// sync engine with his own cache) are in one group. Bob's shared note
/// shows in Alice's reader with his name and colour; Alice shares hers from
/// the note's menu and it reaches Bob's cache; Bob's later edit reaches the
/// open app by itself (live events), and a note Bob keeps private never does.
#[test]
fn notes_shared_with_a_group_reach_each_teammate() -> Result<()> {
    use plenary_core::cache::notes::{NewNote, NoteColor, NoteEdit, Selection};
    use plenary_core::sync::{SyncClient, SyncOptions};
    use std::sync::{Arc, Mutex};

    scenario("notes-shared", async |s| {
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let (alice_id, alice) = s
            .server(server)
            .create_named_token("annotator", "Alice (CMC)")?;
        let (bob_id, bob) = s
            .server(server)
            .create_named_token("annotator", "Bob (CMC)")?;
        s.server(server)
            .set_group("cmc", "Cluster Munition Coalition", &[&alice_id, &bob_id])?;

        // Bob's computer: sync, a shared note and a private one on the draft.
        let bob_cache = Arc::new(Mutex::new(
            plenary_core::Cache::open(s.temp_dir()?.join("bob"))
                .map_err(|e| Error::Setup(format!("Bob's cache: {e}")))?,
        ));
        let bob_client = SyncClient::new(&url, Some(bob))
            .map_err(|e| Error::Setup(format!("Bob's client: {e}")))?;
        let bob_sync = async || -> Result<plenary_core::sync::SyncReport> {
            bob_client
                .sync(&bob_cache, &SyncOptions::default())
                .await
                .map_err(|e| Error::Setup(format!("Bob's sync: {e}")))
        };
        bob_sync().await?;
        const BOB_NOTE: &str = "Coalition line: this wording is the floor, not the ceiling.";
        const BOB_PRIVATE: &str = "Bob's private reminder";
        let (shared_id, private_id) = {
            let mut c = bob_cache.lock().unwrap();
            let doc = c
                .document(&facts::DRAFT_DOCUMENT_ID.parse().unwrap())
                .map_err(|e| Error::Setup(format!("the draft in Bob's cache: {e}")))?;
            let newest = doc
                .versions
                .iter()
                .filter(|v| v.version.language.code() == "en")
                .max_by_key(|v| v.version.revision)
                .map(|v| v.version.id.clone())
                .ok_or_else(|| Error::Setup("no English draft".into()))?;
            let mut note = |exact: &str, body: &str| {
                c.create_note(NewNote {
                    version_id: newest.clone(),
                    selection: Selection {
                        page: None,
                        exact: exact.into(),
                        prefix: String::new(),
                        suffix: String::new(),
                    },
                    color: NoteColor::Blue,
                    body: body.into(),
                    tags: vec!["coalition".into()],
                })
                .map(|p| p.note.id)
                .map_err(|e| Error::Setup(format!("Bob's note: {e}")))
            };
            let shared = note(facts::DRAFT_PHRASE_EN, BOB_NOTE)?;
            let private = note(facts::DRAFT_REWORDED_IN_REV1_EN, BOB_PRIVATE)?;
            c.share_note(&shared, Some("cmc"))
                .map_err(|e| Error::Setup(format!("sharing Bob's note: {e}")))?;
            (shared, private)
        };
        let report = bob_sync().await?;
        ensure!(
            report.notes.as_ref().is_some_and(|n| n.pushed == 1),
            "Bob's sync pushed his shared note: {report:?}"
        );

        // Alice opens the draft: Bob's note is there, with his name.
        let cache = s.temp_dir()?.join("alice");
        let app = s
            .launch(
                &cache,
                &[
                    "--server",
                    &url,
                    "--token",
                    &alice,
                    "--route",
                    &format!("/documents/{}?lang=en", facts::DRAFT_DOCUMENT_ID),
                ],
            )
            .await?;
        let bobs_card = format!("[data-testid=\"note-card\"][data-note-id=\"{shared_id}\"]");
        app.poll(
            "Bob's shared note in Alice's panel, marked as his",
            WAIT,
            "const c = document.querySelector(arguments[0]); return c ? [c.dataset.mine, c.textContent] : null;",
            vec![json!(bobs_card)],
            |v| {
                v[0] == "false"
                    && v[1].as_str().is_some_and(|t| {
                        t.contains(BOB_NOTE) && t.contains("Shared by Bob (CMC) with Cluster Munition Coalition")
                    })
            },
        )
        .await?;
        let private_shown = app
            .eval(
                "return !!document.querySelector(`[data-note-id=\"${arguments[0]}\"]`);",
                vec![json!(private_id)],
            )
            .await?;
        ensure!(
            private_shown == false,
            "Bob's private note must never reach Alice"
        );
        app.screenshot("teammates-note").await?;

        // Alice annotates and shares with the group from the note's menu.
        const ALICE_NOTE: &str = "Alice: check this against the capital's instructions.";
        select_in_pdf(
            &app,
            "the reworded sentence to be selected",
            facts::DRAFT_REWORDED_IN_REV1_EN,
        )
        .await?;
        app.click(&testid("add-note")).await?;
        app.wait_for_testid("note-body-input").await?;
        app.send_keys(&testid("note-body-input"), ALICE_NOTE)
            .await?;
        app.click(&testid("note-save")).await?;
        let mine = "[data-testid=\"note-card\"][data-mine=\"true\"]";
        app.wait_for(&format!("{mine} [data-testid=\"note-share\"]"), WAIT)
            .await?;
        app.eval(
            SELECT_VALUE,
            vec![
                json!(format!("{mine} [data-testid=\"note-share\"]")),
                json!("cmc"),
            ],
        )
        .await?;
        app.poll(
            "Alice's note to be shared and sent",
            WAIT,
            "const c = document.querySelector(arguments[0]); return c ? [c.dataset.sharedWith, !!c.querySelector('[data-testid=\"note-share-pending\"]')] : null;",
            vec![json!(mine)],
            |v| *v == json!(["cmc", false]),
        )
        .await?;
        app.screenshot("shared-by-alice").await?;
        bob_sync().await?;
        let alice_in_bobs = {
            let mut c = bob_cache.lock().unwrap();
            c.notes_for_meeting(&facts::MEETING_ID.parse().unwrap(), &Default::default())
                .map_err(|e| Error::Setup(format!("Bob's notes: {e}")))?
                .into_iter()
                .find(|n| n.placed.note.body == ALICE_NOTE)
                .map(|n| n.placed.note.author)
        };
        ensure!(
            alice_in_bobs.as_deref() == Some("Alice (CMC)"),
            "Alice's shared note reached Bob's computer with her name: {alice_in_bobs:?}"
        );

        // Bob edits his note; the open app shows it without being asked.
        const BOB_EDIT: &str =
            "Coalition line (updated at noon): accept only with Article 5 intact.";
        bob_cache
            .lock()
            .unwrap()
            .update_note(
                &shared_id,
                NoteEdit {
                    body: Some(BOB_EDIT.into()),
                    ..NoteEdit::default()
                },
            )
            .map_err(|e| Error::Setup(format!("Bob's edit: {e}")))?;
        bob_sync().await?;
        app.poll(
            "Bob's edit to reach the open app by itself",
            WAIT,
            "return document.querySelector(arguments[0])?.textContent ?? '';",
            vec![json!(bobs_card)],
            |v| v.as_str().is_some_and(|t| t.contains(BOB_EDIT)),
        )
        .await?;
        app.screenshot("live-edit").await?;
        Ok(())
    })
}

/// Issue 6, durability in the real app: a burst of notes written through
/// the app's own commands, the app killed with SIGKILL mid-burst, then
/// started again on the same cache: every note the app acknowledged before
/// the kill is there.
#[test]
fn notes_acknowledged_before_the_app_is_killed_survive_the_restart() -> Result<()> {
    scenario("notes-kill", async |s| {
        let cache = s.seeded_cache()?;
        let route = format!("/documents/{}?lang=en", facts::DRAFT_DOCUMENT_ID);
        let app = s.launch(&cache, &["--route", &route]).await?;
        app.wait_for_testid("notes-panel").await?;
        // Writes one note after another through the app's commands, each
        // counted only once the app's answer says it is saved.
        app.eval(
            r#"
            window.__acked = [];
            const [doc, exact] = [arguments[0], arguments[1]];
            (async () => {
              const invoke = window.__TAURI_INTERNALS__.invoke;
              const d = await invoke('document', { id: doc });
              const vs = d.versions.map((x) => x.version ?? x).filter((x) => x.language === 'en');
              const v = vs.sort((a, b) => b.revision - a.revision)[0].id;
              window.__version = v;
              for (let i = 0; ; i++) {
                const p = await invoke('create_note', { note: {
                  version_id: v, selection: { page: null, exact, prefix: '', suffix: '' },
                  color: 'yellow', body: 'burst ' + i, tags: ['burst'] } });
                window.__acked.push(p.note.id);
              }
            })().catch((e) => { window.__burstError = String((e && e.message) || JSON.stringify(e)); });
            return true;"#,
            vec![json!(facts::DRAFT_DOCUMENT_ID), json!(facts::DRAFT_PHRASE_EN)],
        )
        .await?;
        let acked = app
            .poll(
                "the app to acknowledge 40 notes",
                WAIT,
                "if (window.__burstError) return { error: window.__burstError };
                 return window.__acked.length >= 40 ? window.__acked.slice() : null;",
                vec![],
                |v| v.is_array() || v.is_object(),
            )
            .await?;
        ensure!(acked.is_array(), "the burst of notes failed: {acked}");
        // Kill the app (not WebDriver) while it goes on writing.
        let pids =
            plenary_e2e::memory::find_processes(&["plenary-app", &cache.display().to_string()]);
        ensure!(!pids.is_empty(), "the app's process was not found");
        for pid in &pids {
            nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(*pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            )
            .map_err(|e| Error::Setup(format!("SIGKILL {pid}: {e}")))?;
        }
        let acked: Vec<String> = acked
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        println!("{} notes acknowledged before SIGKILL", acked.len());

        // Started again on the same cache: every acknowledged note is there.
        let app = s.launch(&cache, &["--route", &route]).await?;
        app.wait_for_testid("notes-panel").await?;
        let missing = app
            .poll(
                "the restarted app to list the notes",
                WAIT,
                r#"const done = window.__check; if (done) return done;
                   window.__TAURI_INTERNALS__.invoke('meeting_notes', { meetingId: arguments[1], filter: { tag: 'burst' } })
                     .then((v) => { const have = new Set(v.notes.map((n) => n.note.id));
                                    window.__check = { missing: arguments[0].filter((id) => !have.has(id)), total: v.notes.length }; })
                     .catch((e) => { window.__check = { error: String(e && e.message || e) }; });
                   return null;"#,
                vec![json!(acked), json!(facts::MEETING_ID)],
                |v| v.is_object(),
            )
            .await?;
        ensure!(
            missing["missing"].as_array().is_some_and(|m| m.is_empty()),
            "every note acknowledged before the kill must survive it: {missing}"
        );
        let total = missing["total"].as_u64().unwrap_or(0);
        ensure!(
            total >= acked.len() as u64,
            "{total} notes after restart, {} acknowledged",
            acked.len()
        );
        println!(
            "after restart: {total} notes ({} acknowledged before the kill)",
            acked.len()
        );
        app.screenshot("after-restart").await?;
        Ok(())
    })
}

/// The text of the current change as the compare view marks it (deleted or
/// inserted words, without the hidden "deleted:"/"inserted:" labels), with
/// the view's state.
const CURRENT_CHANGE: &str = r#"
const view = document.querySelector('[data-testid="compare-view"]');
if (!view) return null;
const pick = (sel) => [...view.querySelectorAll(sel)].map((e) => e.textContent).join('');
const pos = view.querySelector('[data-testid="compare-position"]');
return {
  current: view.dataset.currentChange,
  index: pos?.dataset.index,
  total: pos?.dataset.total,
  position: pos?.textContent,
  ins: pick('ins.is-current'),
  del: pick('del.is-current'),
  rowInView: (() => {
    const row = view.querySelector('.cmp-row.is-current');
    const box = view.querySelector('[data-testid="compare-rows"]');
    if (!row || !box) return false;
    const r = row.getBoundingClientRect(), b = box.getBoundingClientRect();
    return r.bottom > b.top && r.top < b.bottom;
  })(),
};
"#;

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Issue 7: the reader's compare view on the demo draft, synced from the
/// server (the texts are the server's): newest revision against the one
/// before, the count the core computes, Next and the N key through the
/// changes, the summary, inline, "only changes that touch my notes" after
/// a highlight made in the reader, and Arabic right to left.
#[test]
fn compares_the_drafts_last_two_revisions_side_by_side_and_inline() -> Result<()> {
    scenario("compare-revisions", async |s| {
        use plenary_core::compare::{ChangeKind, CompareOptions, WordOp};
        use plenary_core::model::Language;
        let server = s.start_demo_server()?;
        let url = s.server(server).url().to_string();
        let cache = s.temp_dir()?.join("cache");
        // Rev.3 rewords paragraph 2 (its opening words here); Rev.2 had it as
        // "We welcome the accession of new States ...".
        const NOTED: &str = "We welcome the States that have joined the Convention";
        let app = s
            .launch(
                &cache,
                &[
                    "--server",
                    &url,
                    "--route",
                    &format!("/documents/{}?lang=en", facts::DRAFT_DOCUMENT_ID),
                ],
            )
            .await?;
        app.wait_for_testid("notes-panel").await?;

        // A highlight on paragraph 2 of the newest revision.
        select_in_pdf(
            &app,
            "the newest revision's paragraph 2 to be selected",
            NOTED,
        )
        .await?;
        app.click(&testid("highlight-yellow")).await?;
        app.poll(
            "the highlight in the notes panel",
            WAIT,
            "return document.querySelector(arguments[0])?.dataset.count;",
            vec![json!(testid("notes-panel"))],
            |v| v == "1",
        )
        .await?;

        // Compare: the newest revision against the one before.
        app.click(&testid("compare-open")).await?;
        let count = app
            .poll(
                "the comparison's summary (once the texts have synced)",
                WAIT,
                "return document.querySelector(arguments[0])?.dataset.count ?? null;",
                vec![json!(testid("compare-count"))],
                |v| v.is_string(),
            )
            .await?;
        let pickers = app
            .eval(
                "return [document.querySelector(arguments[0]).value, document.querySelector(arguments[1]).value];",
                vec![
                    json!(testid("compare-old-picker")),
                    json!(testid("compare-new-picker")),
                ],
            )
            .await?;
        let latest = facts::DRAFT_LATEST_REVISION;
        ensure!(
            pickers == json!([(latest - 1).to_string(), latest.to_string()]),
            "the view opens on Rev.{} against Rev.{latest}, pickers show {pickers}",
            latest - 1
        );

        // What the core computes for the same two versions, on the same cache.
        let expected = {
            let setup =
                |e: plenary_core::Error| Error::Setup(format!("comparing in the cache: {e}"));
            let mut core = plenary_core::Cache::open(&cache).map_err(setup)?;
            let document = facts::DRAFT_DOCUMENT_ID
                .parse()
                .map_err(|e| Error::Setup(format!("{e}")))?;
            let (old, new) = core
                .default_comparison(&document, Language::En)
                .map_err(setup)?
                .ok_or_else(|| Error::Setup("the draft has fewer than two revisions".into()))?;
            core.compare_with_notes(&old, &new, &CompareOptions::default())
                .map_err(setup)?
        };
        let changes = &expected.comparison.changes;
        let total = changes.len();
        ensure!(
            count == json!(expected.comparison.summary.changes.to_string()),
            "the view counts {count} changes, the core {}",
            expected.comparison.summary.changes
        );
        // Next goes through the changes other than renumbering.
        let stepped: Vec<&plenary_core::compare::Change> =
            changes.iter().filter(|c| !c.renumbering).collect();
        ensure!(
            stepped.len() >= 3,
            "the demo's last revision changes little: {total}"
        );
        let noted: Vec<u32> = expected
            .noted_changes
            .iter()
            .map(|n| n.change)
            .filter(|&id| !changes[id as usize].renumbering)
            .collect();
        ensure!(
            !noted.is_empty() && noted.len() < total,
            "the highlight touches {noted:?} of {total} changes"
        );
        app.screenshot("side-by-side").await?;

        // Next, then the N key, through the first three changes.
        for i in 1..=3usize {
            if i == 3 {
                app.send_keys(&testid("compare-rows"), "n").await?;
            } else {
                app.click(&testid("compare-next")).await?;
            }
            let change = stepped[i - 1];
            // The words the core marks deleted and inserted in this change
            // (a move's text is its row; its inner edits may be none).
            let core = |op: WordOp| {
                squash(
                    &change
                        .words
                        .iter()
                        .filter(|w| w.op == op)
                        .map(|w| w.text.as_str())
                        .collect::<String>(),
                )
            };
            let (ins, del) = (core(WordOp::Insert), core(WordOp::Delete));
            let is_move = change.kind == ChangeKind::Move;
            let wanted = if stepped.len() == total {
                format!("Change {i} of {total}")
            } else {
                format!("Change {i} of {} ({total} in all)", stepped.len())
            };
            let id = change.id.to_string();
            app.poll(
                &format!(
                    "change {i} (the core's {id}, -{del:?} +{ins:?}) to be current, marked and in view, \
                     the indicator reading {wanted:?}"
                ),
                WAIT,
                CURRENT_CHANGE,
                vec![],
                |v| {
                    let shown = |k: &str| squash(v[k].as_str().unwrap_or_default());
                    v["index"] == json!(i.to_string())
                        && v["current"] == json!(id)
                        && v["position"] == json!(wanted)
                        && v["rowInView"] == json!(true)
                        && (is_move || (shown("ins") == ins && shown("del") == del))
                },
            )
            .await?;
            if i == 2 {
                app.screenshot("change-2-highlighted").await?;
            }
        }
        // P goes back.
        app.send_keys(&testid("compare-rows"), "p").await?;
        app.poll(
            "P to go back to change 2",
            WAIT,
            CURRENT_CHANGE,
            vec![],
            |v| v["index"] == json!("2"),
        )
        .await?;

        // The summary's last place opens its first change.
        let last = app
            .eval(
                "const e = [...document.querySelectorAll(arguments[0])].pop(); e.click(); return e.dataset.first;",
                vec![json!(testid("summary-entry"))],
            )
            .await?;
        app.poll(
            "the summary entry's change to be current",
            WAIT,
            CURRENT_CHANGE,
            vec![],
            |v| v["current"] == last && v["rowInView"] == json!(true),
        )
        .await?;

        // Inline: deletions struck through and insertions underlined, each
        // announced in words.
        app.click(&testid("compare-mode-inline")).await?;
        let inline = app
            .poll(
                "the inline view",
                WAIT,
                r#"const v = document.querySelector('[data-testid="compare-view"]');
                   if (v?.dataset.mode !== 'inline') return null;
                   const del = v.querySelector('del'), ins = v.querySelector('ins');
                   return {
                     del: del && getComputedStyle(del).textDecorationLine,
                     ins: ins && getComputedStyle(ins).textDecorationLine,
                     delLabel: del?.previousElementSibling?.textContent,
                     insLabel: ins?.previousElementSibling?.textContent,
                     cells: v.querySelectorAll('.cmp-row:first-child .cmp-cell').length,
                     current: v.dataset.currentChange,
                     inView: (() => {
                       const row = v.querySelector('.cmp-row.is-current');
                       const box = v.querySelector('[data-testid="compare-rows"]');
                       if (!row || !box) return false;
                       const r = row.getBoundingClientRect(), b = box.getBoundingClientRect();
                       return r.bottom > b.top && r.top < b.bottom;
                     })(),
                   };"#,
                vec![],
                // The current change stays current, and in view, in the new layout.
                |v| !v.is_null() && v["current"] == last && v["inView"] == json!(true),
            )
            .await?;
        ensure!(
            inline["del"] == "line-through"
                && inline["ins"] == "underline"
                && inline["delLabel"]
                    .as_str()
                    .is_some_and(|l| l.contains("deleted:"))
                && inline["insLabel"]
                    .as_str()
                    .is_some_and(|l| l.contains("inserted:"))
                && inline["cells"] == 1,
            "inline marks: {inline}"
        );
        app.screenshot("inline").await?;

        // Only the changes that touch the highlight.
        app.click(&testid("compare-notes-filter")).await?;
        app.poll(
            "the filter to keep the changes on the highlight",
            WAIT,
            CURRENT_CHANGE,
            vec![],
            |v| v["total"] == json!(noted.len().to_string()) && v["index"] == json!("0"),
        )
        .await?;
        app.click(&testid("compare-next")).await?;
        let state = app
            .poll(
                "the first change on the highlight to be current and in view",
                WAIT,
                CURRENT_CHANGE,
                vec![],
                |v| v["index"] == json!("1") && v["rowInView"] == json!(true),
            )
            .await?;
        ensure!(
            state["current"] == json!(noted[0].to_string()),
            "the first noted change is {}: {state}",
            noted[0]
        );
        let entries = app
            .eval(
                "return document.querySelectorAll(arguments[0]).length;",
                vec![json!(testid("summary-entry"))],
            )
            .await?;
        ensure!(
            entries
                .as_u64()
                .is_some_and(|n| n >= 1 && n as usize <= noted.len()),
            "the summary lists only the noted changes' places: {entries}"
        );
        app.screenshot("inline-only-noted").await?;

        // Arabic, right to left, side by side.
        app.click(&testid("compare-notes-filter")).await?;
        app.click(&testid("compare-mode-side")).await?;
        app.click(&testid_where("language-tab", "data-lang", "ar"))
            .await?;
        let arabic = app
            .poll(
                "the Arabic comparison, right to left",
                WAIT,
                r#"const v = document.querySelector('[data-testid="compare-view"]');
                   const cell = v?.querySelector('.cmp-cell');
                   const count = v?.querySelector('[data-testid="compare-count"]')?.dataset.count;
                   if (!cell || !location.hash.includes('lang=ar') || !count) return null;
                   return { dir: cell.getAttribute('dir'), direction: getComputedStyle(cell).direction, count };"#,
                vec![],
                |v| !v.is_null(),
            )
            .await?;
        ensure!(
            arabic["dir"] == "rtl" && arabic["direction"] == "rtl" && arabic["count"] != "0",
            "Arabic: {arabic}"
        );
        app.click(&testid("compare-next")).await?;
        app.poll(
            "the first Arabic change",
            WAIT,
            CURRENT_CHANGE,
            vec![],
            |v| v["index"] == json!("1") && v["rowInView"] == json!(true),
        )
        .await?;
        app.screenshot("arabic-side-by-side").await?;
        Ok(())
    })
}

/// Scrolls page `n` of the PDF to the top; returns whether it is drawn,
/// the live canvases, the squashed text of its text layer, the share of
/// its canvas's sampled pixels that are not white (ink), and how many times
/// the viewer emptied pdf.js's caches (`data-cleanups`).
const SHOW_PDF_PAGE: &str = r#"
const n = arguments[0];
const scroller = document.querySelector('.pdf-scroll');
const page = document.querySelector(`[data-testid="pdf-page"][data-page-number="${n}"]`);
if (!scroller || !page) return { drawn: false };
if (Math.abs(scroller.scrollTop - (page.offsetTop - 8)) > 2) scroller.scrollTop = page.offsetTop - 8;
const canvas = page.querySelector('canvas');
let ink = 0;
if (canvas && canvas.width > 0 && canvas.height > 0) {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let samples = 0, dark = 0;
  for (let i = 0; i < data.length; i += 4 * 97) {
    samples++;
    if (data[i + 3] > 0 && data[i] + data[i + 1] + data[i + 2] < 600) dark++;
  }
  ink = samples ? dark / samples : 0;
}
return {
  drawn: page.dataset.rendered === 'true',
  canvases: document.querySelectorAll('.pdf-page canvas').length,
  text: (page.querySelector('[data-testid="text-layer"]')?.textContent || '').replace(/\s+/g, ''),
  ink,
  cleanups: Number(scroller.dataset.cleanups || 0),
};
"#;

/// Issue 5, a long document read through: a 60-page report (the demo's
/// long report, with the text and page-1 picture the server makes of it),
/// every page scrolled to in turn, then back to pages drawn before. The
/// reader keeps at most 8 canvases, empties pdf.js's caches once it has
/// drawn enough pages and is idle (what keeps memory flat over hundreds of
/// pages), and every page drawn again afterwards shows its ink and its text.
#[test]
fn a_long_report_read_to_the_end_and_back_stays_readable() -> Result<()> {
    const PAGES: usize = 60;
    let pdf = plenary_demo::long_report_pdf(PAGES)
        .map_err(|e| Error::Setup(format!("rendering the long report: {e}")))?;
    let (text, preview) = plenary_e2e::demo::server_renditions(&pdf)?;
    ensure!(
        text.len() >= PAGES,
        "the long report has {} pages of text, asked for {PAGES}",
        text.len()
    );
    // Words a page's text layer must hold: its five longest words as the
    // server's text has them (pdf.js may place the page's runs in another
    // order than pdftotext).
    let words_of = |n: usize| -> Vec<String> {
        let mut words: Vec<&str> = text[n - 1].split_whitespace().collect();
        words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
        words.dedup();
        words.into_iter().take(5).map(str::to_owned).collect()
    };
    scenario("long-report", async |s| {
        let cache = s.seeded_cache()?;
        plenary_e2e::demo::add_long_document(&cache, &pdf, &text, Some(&preview))?;
        let route = format!("/documents/{}", plenary_e2e::demo::LONG_DOCUMENT_ID);
        let app = s.launch(&cache, &["--route", &route]).await?;
        let drawn = |v: &Value| v["drawn"] == json!(true) && v["ink"].as_f64() > Some(0.0);
        // Scrolls to page `n` until `until` holds of what SHOW_PDF_PAGE reports.
        let show = async |n: usize, what: &str, until: &dyn Fn(&Value) -> bool| {
            app.poll(what, WAIT, SHOW_PDF_PAGE, vec![json!(n)], until)
                .await
        };
        let mut max_canvases = 0;
        for n in 1..=PAGES {
            let v = show(n, &format!("page {n} to be drawn"), &drawn).await?;
            max_canvases = max_canvases.max(v["canvases"].as_u64().unwrap_or(0));
        }
        ensure!(
            max_canvases <= 8,
            "the reader keeps at most 8 canvases alive, it had {max_canvases}"
        );
        // Idle on the last page: the caches are emptied.
        let v = show(
            PAGES,
            "the reader to empty pdf.js's caches once idle",
            &|v| v["cleanups"].as_u64() >= Some(1),
        )
        .await?;
        let cleanups = v["cleanups"].as_u64().unwrap_or(0);
        app.screenshot("last-page").await?;
        // Back to pages whose canvases were released: drawn again from the
        // emptied caches, with their pictures and their text.
        for n in [1, PAGES / 2, PAGES - 10] {
            let v = show(
                n,
                &format!("page {n} to be drawn again after the cleanup"),
                &drawn,
            )
            .await?;
            let got = v["text"].as_str().unwrap_or_default();
            let missing: Vec<String> = words_of(n)
                .into_iter()
                .filter(|w| !got.contains(w.as_str()))
                .collect();
            ensure!(
                missing.is_empty(),
                "page {n}, drawn again after {cleanups} cleanup(s), has a text layer that lacks {missing:?}: {:?}",
                got.chars().take(200).collect::<String>()
            );
        }
        app.screenshot("page-1-again").await?;
        Ok(())
    })
}
