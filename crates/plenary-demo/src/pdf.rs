//! PDF rendering with pango (shaping, bidi, line breaking) and cairo's PDF
//! surface (real text: embedded font subsets with ToUnicode maps, so the text
//! can be selected and extracted).
//!
//! Pagination is ours: pango breaks each block into lines, and we place the
//! lines one by one on A4 pages, starting a new page when the next line would
//! cross the bottom margin. Two passes, so the footer can know the page count.

use cairo::{Context as Cairo, PdfMetadata, PdfSurface};
use pango::prelude::*;
use pango::{Alignment, Direction, FontDescription, Layout, WrapMode};
use plenary_core::model::Language;

use crate::DemoError;
use crate::doc::{Block, Doc};

const PAGE_W: f64 = 595.276; // A4 in points
const PAGE_H: f64 = 841.89;
const MARGIN_X: f64 = 68.0;
const MARGIN_TOP: f64 = 64.0;
const MARGIN_BOTTOM: f64 = 72.0;
const TEXT_W: f64 = PAGE_W - 2.0 * MARGIN_X;
/// Body text starts this far in from the margin on the text's start side, as
/// in UN documents where headings and numbers stand out a little.
const BODY_INDENT: f64 = 34.0;
const ITEM_HANG: f64 = 30.0;

fn pt(units: i32) -> f64 {
    f64::from(units) / f64::from(pango::SCALE)
}

fn units(points: f64) -> i32 {
    (points * f64::from(pango::SCALE)).round() as i32
}

/// The fonts each script needs; checked once so a missing package gives a
/// clear error instead of boxes in the output.
pub(crate) const REQUIRED_FAMILIES: [&str; 4] = [
    "DejaVu Serif",
    "DejaVu Sans",
    "Amiri",
    "WenQuanYi Micro Hei",
];

/// Font setup per language: (body family list, body size, title size).
fn fonts(lang: Language) -> (&'static str, f64) {
    match lang {
        Language::Ar => ("Amiri, DejaVu Serif", 13.0),
        Language::Zh => ("WenQuanYi Micro Hei, DejaVu Sans", 10.0),
        _ => ("DejaVu Serif, Amiri, WenQuanYi Micro Hei", 10.0),
    }
}

/// Holds the pango state for rendering many documents on one thread.
#[derive(Debug)]
pub(crate) struct Renderer {
    ltr: pango::Context,
    rtl: pango::Context,
}

impl Renderer {
    pub(crate) fn new() -> Result<Self, DemoError> {
        // A private font map (not the process-wide default) so renderers on
        // different threads share no pango state.
        let map = pangocairo::FontMap::new();
        let make = |dir| {
            let ctx = map.create_context();
            // 72 dpi: one pango point is one PDF point.
            pangocairo::functions::context_set_resolution(&ctx, 72.0);
            // Unhinted outlines and unrounded positions: vector output should
            // not depend on a screen's pixel grid.
            let mut opts = cairo::FontOptions::new().map_err(|e| render_err("font options", e))?;
            opts.set_hint_style(cairo::HintStyle::None);
            opts.set_hint_metrics(cairo::HintMetrics::Off);
            opts.set_antialias(cairo::Antialias::Gray);
            pangocairo::functions::context_set_font_options(&ctx, Some(&opts));
            ctx.set_round_glyph_positions(false);
            ctx.set_base_dir(dir);
            Ok::<_, DemoError>(ctx)
        };
        let ltr = make(Direction::Ltr)?;
        let rtl = make(Direction::Rtl)?;
        let families: Vec<String> = ltr
            .list_families()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        for needed in REQUIRED_FAMILIES {
            if !families.iter().any(|f| f == needed) {
                return Err(DemoError::MissingFont(needed.to_owned()));
            }
        }
        Ok(Renderer { ltr, rtl })
    }

    pub(crate) fn render(&self, doc: &Doc) -> Result<Vec<u8>, DemoError> {
        self.render_counted(doc).map(|(bytes, _)| bytes)
    }

    /// The PDF and its number of pages.
    pub(crate) fn render_counted(&self, doc: &Doc) -> Result<(Vec<u8>, usize), DemoError> {
        let name = doc.symbol.clone().unwrap_or_else(|| doc.title.clone());
        let flow = Flow::new(self, doc);
        let pages = flow.paginate(doc);
        let count = pages.pages.len();
        draw(self, doc, &pages)
            .map(|bytes| (bytes, count))
            .map_err(|e| render_err(&name, e))
    }
}

fn render_err(what: &str, e: impl std::fmt::Display) -> DemoError {
    DemoError::Render(format!("{what}: {e}"))
}

/// A line of a layout placed on a page.
#[derive(Debug)]
enum Op {
    Line {
        layout: usize,
        line: i32,
        x: f64,
        baseline: f64,
    },
    Rule {
        y: f64,
        width: f64,
    },
}

#[derive(Debug, Default)]
struct Page {
    ops: Vec<Op>,
}

struct LineGeom {
    x: f64,
    top: f64,
    bottom: f64,
    baseline: f64,
}

struct Flow<'r> {
    r: &'r Renderer,
    lang: Language,
    rtl: bool,
    family: &'static str,
    size: f64,
    layouts: Vec<Layout>,
}

#[derive(Clone, Copy)]
enum Style {
    Body,
    /// Body font, never justified (hanging labels).
    Label,
    Bold,
    Title,
    Masthead,
    Symbol,
    Small,
    SmallItalic,
    Heading,
    SubHeading,
}

impl<'r> Flow<'r> {
    fn new(r: &'r Renderer, doc: &Doc) -> Self {
        let (family, size) = fonts(doc.lang);
        Flow {
            r,
            lang: doc.lang,
            rtl: doc.lang.is_right_to_left(),
            family,
            size,
            layouts: Vec::new(),
        }
    }

    fn font(&self, style: Style) -> FontDescription {
        let scale = self.size / 10.0;
        let (family, size, bold, italic) = match style {
            Style::Body | Style::Label => (self.family, self.size, false, false),
            Style::Bold => (self.family, self.size, true, false),
            Style::Heading => (self.family, self.size, true, false),
            Style::SubHeading => (self.family, self.size, true, !self.is_cjk_or_ar()),
            Style::Title => (self.family, 13.0 * scale, true, false),
            Style::Masthead => match self.lang {
                Language::Ar => ("Amiri", 16.0, true, false),
                Language::Zh => ("WenQuanYi Micro Hei", 14.0, true, false),
                _ => ("DejaVu Sans", 13.0, true, false),
            },
            Style::Symbol => ("DejaVu Sans", 13.0, true, false),
            Style::Small => ("DejaVu Sans, Amiri, WenQuanYi Micro Hei", 8.5, false, false),
            Style::SmallItalic => (self.family, 9.0 * scale, false, !self.is_cjk_or_ar()),
        };
        let mut fd = FontDescription::from_string(family);
        fd.set_size(units(size));
        if bold {
            fd.set_weight(pango::Weight::Bold);
        }
        if italic {
            fd.set_style(pango::Style::Italic);
        }
        fd
    }

    fn is_cjk_or_ar(&self) -> bool {
        matches!(self.lang, Language::Ar | Language::Zh)
    }

    /// Creates a layout; `start` alignment means the text's natural start
    /// side (right for Arabic).
    fn layout(&mut self, text: &str, style: Style, width: f64, align: Align, rtl: bool) -> usize {
        let ctx = if rtl { &self.r.rtl } else { &self.r.ltr };
        let layout = Layout::new(ctx);
        // The direction is decided by the context, not guessed per paragraph:
        // an Arabic paragraph that opens with a symbol or a number is still
        // right-to-left.
        layout.set_auto_dir(false);
        layout.set_font_description(Some(&self.font(style)));
        layout.set_width(units(width));
        layout.set_wrap(WrapMode::WordChar);
        let alignment = match (align, rtl) {
            (Align::Center, _) => Alignment::Center,
            (Align::Start, false) | (Align::End, true) => Alignment::Left,
            (Align::Start, true) | (Align::End, false) => Alignment::Right,
        };
        layout.set_alignment(alignment);
        if matches!(style, Style::Body) && align == Align::Start {
            layout.set_justify(true);
        }
        // Chinese UN documents are set with generous leading.
        if self.lang == Language::Zh {
            layout.set_line_spacing(1.5);
        }
        if self.lang == Language::Ar {
            // Amiri's pair kerning leaves gaps between glyphs inside a word
            // that text extractors (poppler's pdftotext, pdf.js) read as
            // spaces: "التقرير" came out as "التقر ير". Shaping (joining
            // forms, cursive attachment, marks) is unaffected.
            let attrs = pango::AttrList::new();
            attrs.insert(pango::AttrFontFeatures::new("kern 0"));
            layout.set_attributes(Some(&attrs));
        }
        layout.set_text(text);
        self.layouts.push(layout);
        self.layouts.len() - 1
    }

    fn lines(&self, idx: usize) -> Vec<LineGeom> {
        let mut out = Vec::new();
        let mut iter = self.layouts[idx].iter();
        loop {
            let (_, logical) = iter.line_extents();
            out.push(LineGeom {
                x: pt(logical.x()),
                top: pt(logical.y()),
                bottom: pt(logical.y() + logical.height()),
                baseline: pt(iter.baseline()),
            });
            if !iter.next_line() {
                break;
            }
        }
        out
    }

    /// x of a column `width` wide that starts `inset` from the start margin.
    fn column_x(&self, inset: f64, width: f64) -> f64 {
        if self.rtl {
            PAGE_W - MARGIN_X - inset - width
        } else {
            MARGIN_X + inset
        }
    }

    fn paginate(mut self, doc: &Doc) -> Pages {
        let mut pages = vec![Page::default()];
        let mut y = self.first_page(doc, &mut pages[0]);
        let bottom = PAGE_H - MARGIN_BOTTOM;
        let body_w = TEXT_W - BODY_INDENT;
        let gap = self.size * 0.75;

        for (i, block) in doc.blocks.iter().enumerate() {
            // (layout, column x, extra label layout)
            let (main, x, label, before, keep_with_next) = match block {
                Block::Heading(t) => {
                    let l = self.layout(t, Style::Heading, TEXT_W, Align::Start, self.rtl);
                    (l, self.column_x(0.0, TEXT_W), None, gap * 1.5, true)
                }
                Block::SubHeading(t) => {
                    let l = self.layout(t, Style::SubHeading, body_w, Align::Start, self.rtl);
                    (l, self.column_x(BODY_INDENT, body_w), None, gap, true)
                }
                Block::Para(t) => {
                    let l = self.layout(t, Style::Body, body_w, Align::Start, self.rtl);
                    (l, self.column_x(BODY_INDENT, body_w), None, gap, false)
                }
                Block::Numbered { label, text } => {
                    // The number runs into the first line, as UN documents set it.
                    let joined = format!("{label}\u{2002}{text}");
                    let l = self.layout(&joined, Style::Body, body_w, Align::Start, self.rtl);
                    (l, self.column_x(BODY_INDENT, body_w), None, gap, false)
                }
                Block::Item { label, text, level } => {
                    let inset = BODY_INDENT + ITEM_HANG * f64::from(level.saturating_sub(1));
                    // Short labels ("6.", "(a)") hang in a narrow column;
                    // times on a programme of work ("10 a.m.") need more.
                    let hang = if label.chars().count() > 4 {
                        ITEM_HANG * 2.2
                    } else {
                        ITEM_HANG
                    };
                    let w = TEXT_W - inset - hang;
                    let l = self.layout(text, Style::Body, w, Align::Start, self.rtl);
                    let lab = self.layout(label, Style::Label, hang, Align::Start, self.rtl);
                    let lab_x = self.column_x(inset, hang);
                    (
                        l,
                        self.column_x(inset + hang, w),
                        Some((lab, lab_x)),
                        gap * 0.6,
                        false,
                    )
                }
                Block::Centered(t) => {
                    let l = self.layout(t, Style::Bold, TEXT_W, Align::Center, self.rtl);
                    (l, MARGIN_X, None, gap, false)
                }
                Block::Note(t) => {
                    let l = self.layout(t, Style::SmallItalic, TEXT_W, Align::End, self.rtl);
                    (l, MARGIN_X, None, gap, false)
                }
            };
            let geoms = self.lines(main);
            let line_h = geoms.first().map_or(self.size, |g| g.bottom - g.top);
            // Keep a heading with the first lines of what follows it, and do
            // not leave a single line of a paragraph alone at a page foot.
            let need = if keep_with_next && i + 1 < doc.blocks.len() {
                line_h * (geoms.len() as f64 + 2.5)
            } else {
                line_h * (geoms.len().min(2) as f64)
            };
            let at_top = y <= MARGIN_TOP + 1.0;
            if !at_top {
                y += before;
            }
            if y + need > bottom && !at_top {
                pages.push(Page::default());
                y = MARGIN_TOP;
            }
            for (n, g) in geoms.iter().enumerate() {
                let h = g.bottom - g.top;
                if y + h > bottom {
                    pages.push(Page::default());
                    y = MARGIN_TOP;
                }
                let page = pages.last_mut().expect("at least one page");
                page.ops.push(Op::Line {
                    layout: main,
                    line: n as i32,
                    x: x + g.x,
                    baseline: y + (g.baseline - g.top),
                });
                if n == 0
                    && let Some((lab, lab_x)) = label
                {
                    let lg = &self.lines(lab)[0];
                    page.ops.push(Op::Line {
                        layout: lab,
                        line: 0,
                        x: lab_x + lg.x,
                        baseline: y + (g.baseline - g.top),
                    });
                }
                y += h;
            }
        }
        Pages {
            layouts: self.layouts,
            pages,
        }
    }

    /// Lays out the UN first-page masthead; returns where the body starts.
    fn first_page(&mut self, doc: &Doc, page: &mut Page) -> f64 {
        let mut y = MARGIN_TOP;
        // Masthead: body name at the start side, symbol at the end side.
        // The symbol never wraps; the body name gets the remaining width.
        let mut symbol_w = 0.0;
        let mut mast_h: f64 = 0.0;
        if let Some(symbol) = &doc.symbol {
            // Symbols are Latin and read left to right even in Arabic
            // documents; a right-to-left paragraph would move "1" in "CRP.1".
            let sym = self.layout(symbol, Style::Symbol, TEXT_W, Align::Start, false);
            let (_, logical) = self.layouts[sym].extents();
            symbol_w = pt(logical.width());
            let x = if self.rtl {
                MARGIN_X
            } else {
                PAGE_W - MARGIN_X - symbol_w
            };
            mast_h = self.place_all(page, sym, x, y);
        }
        let mast_w = TEXT_W - symbol_w - 18.0;
        let mast = self.layout(
            &doc.masthead,
            Style::Masthead,
            mast_w,
            Align::Start,
            self.rtl,
        );
        mast_h = mast_h.max(self.place_all(page, mast, self.column_x(0.0, mast_w), y));
        y += mast_h + 6.0;
        page.ops.push(Op::Rule { y, width: 1.6 });
        y += 10.0;

        // Distribution block on the end side, meeting block on the start side.
        let side_w = TEXT_W * 0.34;
        let dist_x = if self.rtl {
            MARGIN_X
        } else {
            PAGE_W - MARGIN_X - side_w
        };
        let dist = doc.distribution.join("\n");
        // The distribution lines are Latin even in Arabic documents, as the
        // UN prints them; lay them out left-to-right.
        let d = self.layout(&dist, Style::Small, side_w, Align::Start, false);
        let dist_h = self.place_all(page, d, dist_x, y);
        let meet_w = TEXT_W * 0.6;
        let meet = doc.meeting_lines.join("\n");
        let m = self.layout(&meet, Style::Bold, meet_w, Align::Start, self.rtl);
        let meet_h = self.place_all(page, m, self.column_x(0.0, meet_w), y + dist_h + 8.0);
        y += dist_h + 8.0 + meet_h + 16.0;

        let title_w = TEXT_W * 0.8;
        let t = self.layout(&doc.title, Style::Title, title_w, Align::Start, self.rtl);
        y += self.place_all(page, t, self.column_x(0.0, title_w), y);
        if let Some(sub) = &doc.subtitle {
            y += 6.0;
            let s = self.layout(sub, Style::SubHeading, title_w, Align::Start, self.rtl);
            y += self.place_all(page, s, self.column_x(0.0, title_w), y);
        }
        y + 14.0
    }

    /// Places every line of a layout from `y` down (no page breaks: used
    /// for furniture). Returns its height.
    fn place_all(&self, page: &mut Page, idx: usize, x: f64, y: f64) -> f64 {
        let mut h = 0.0;
        for (n, g) in self.lines(idx).iter().enumerate() {
            page.ops.push(Op::Line {
                layout: idx,
                line: n as i32,
                x: x + g.x,
                baseline: y + g.baseline,
            });
            h = g.bottom;
        }
        h
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Start,
    End,
    Center,
}

struct Pages {
    layouts: Vec<Layout>,
    pages: Vec<Page>,
}

/// Writes the pages into a PDF: body lines, running header (symbol and a
/// rule) on every page after the first, page number in the footer, job
/// number at the foot of page 1.
fn draw(r: &Renderer, doc: &Doc, pages: &Pages) -> Result<Vec<u8>, cairo::Error> {
    let surface = PdfSurface::for_stream(PAGE_W, PAGE_H, Vec::<u8>::new())?;
    // cairo stamps the current time as CreationDate unless told otherwise;
    // fixed dates keep the bytes (and so the SHA-256) identical run to run.
    surface.set_metadata(PdfMetadata::CreateDate, &doc.pdf_date)?;
    surface.set_metadata(PdfMetadata::ModDate, &doc.pdf_date)?;
    surface.set_metadata(PdfMetadata::Title, &doc.title)?;
    surface.set_metadata(PdfMetadata::Creator, "Plenary demo generator")?;
    if let Some(symbol) = &doc.symbol {
        surface.set_metadata(PdfMetadata::Subject, symbol)?;
    }
    let cr = Cairo::new(&surface)?;
    pangocairo::functions::update_context(&cr, &r.ltr);
    pangocairo::functions::update_context(&cr, &r.rtl);
    let rtl = doc.lang.is_right_to_left();
    let total = pages.pages.len();
    let small = |text: &str| {
        let layout = Layout::new(&r.ltr);
        let mut fd = FontDescription::from_string("DejaVu Sans");
        fd.set_size(units(8.5));
        layout.set_font_description(Some(&fd));
        layout.set_text(text);
        layout
    };
    for (n, page) in pages.pages.iter().enumerate() {
        let number = n + 1;
        cr.set_source_rgb(0.0, 0.0, 0.0);
        for op in &page.ops {
            match op {
                Op::Line {
                    layout,
                    line,
                    x,
                    baseline,
                } => {
                    if let Some(l) = pages.layouts[*layout].line_readonly(*line) {
                        cr.move_to(*x, *baseline);
                        pangocairo::functions::show_layout_line(&cr, &l);
                    }
                }
                Op::Rule { y, width } => {
                    cr.set_line_width(*width);
                    cr.move_to(MARGIN_X, *y);
                    cr.line_to(PAGE_W - MARGIN_X, *y);
                    cr.stroke()?;
                }
            }
        }
        // Even pages carry the symbol on the left, odd pages on the right
        // (mirrored for Arabic), like printed UN documents.
        let outer_left = (number % 2 == 0) != rtl;
        let place = |layout: &Layout, y: f64| {
            let (_, logical) = layout.pixel_extents();
            let w = f64::from(logical.width());
            let x = if outer_left {
                MARGIN_X
            } else {
                PAGE_W - MARGIN_X - w
            };
            cr.move_to(x, y);
            pangocairo::functions::show_layout(&cr, layout);
        };
        if number > 1
            && let Some(symbol) = &doc.symbol
        {
            let header = small(symbol);
            place(&header, MARGIN_TOP - 28.0);
            cr.set_line_width(0.5);
            cr.move_to(MARGIN_X, MARGIN_TOP - 14.0);
            cr.line_to(PAGE_W - MARGIN_X, MARGIN_TOP - 14.0);
            cr.stroke()?;
        }
        if number == 1 {
            if let Some(job) = &doc.job_number {
                let foot = small(job);
                let (_, logical) = foot.pixel_extents();
                let x = if rtl {
                    PAGE_W - MARGIN_X - f64::from(logical.width())
                } else {
                    MARGIN_X
                };
                cr.move_to(x, PAGE_H - 48.0);
                pangocairo::functions::show_layout(&cr, &foot);
            }
        } else {
            let foot = small(&format!("{number}/{total}"));
            place(&foot, PAGE_H - 48.0);
        }
        cr.show_page()?;
    }
    drop(cr);
    surface.finish();
    let stream = surface
        .finish_output_stream()
        .map_err(|_| cairo::Error::WriteError)?;
    let bytes = stream
        .downcast::<Vec<u8>>()
        .map_err(|_| cairo::Error::WriteError)?;
    Ok(*bytes)
}
