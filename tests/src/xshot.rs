//! Screenshots read from the X server rather than through WebDriver.
//!
//! WebKitWebDriver (WebKitGTK 2.50) takes screenshots from the composited
//! frame; when the app draws without compositing (what it does on a machine
//! with no GPU, see `src-tauri/src/rendering.rs`) that command never returns
//! and wedges the session. The X server holds the pixels the user actually
//! sees either way, so the harness asks it: `GetImage` of the app window's
//! rectangle on the scenario's private Xvfb, encoded as PNG.

use x11rb::connection::Connection;
use x11rb::protocol::xproto::{ConnectionExt, ImageFormat, ImageOrder};

use crate::error::{Error, Result};

/// A rectangle of the screen, in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub width: u64,
    pub height: u64,
}

/// Captures `rect` (clamped to the screen; the whole screen when `None`)
/// of X display `display` (e.g. `:3`) as a PNG.
pub fn capture_png(display: &str, rect: Option<Rect>) -> Result<Vec<u8>> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Error::Setup(format!("screenshot of X display {display}: {what}: {e}"))
    };
    let (conn, screen_num) = x11rb::connect(Some(display)).map_err(|e| fail("connecting", &e))?;
    let setup = conn.setup();
    let screen = &setup.roots[screen_num];
    let (sw, sh) = (
        i64::from(screen.width_in_pixels),
        i64::from(screen.height_in_pixels),
    );
    let r = rect.unwrap_or(Rect {
        x: 0,
        y: 0,
        width: sw as u64,
        height: sh as u64,
    });
    let (x0, y0) = (r.x.clamp(0, sw), r.y.clamp(0, sh));
    let x1 = (r.x + r.width as i64).clamp(x0, sw);
    let y1 = (r.y + r.height as i64).clamp(y0, sh);
    let (w, h) = ((x1 - x0) as u16, (y1 - y0) as u16);
    if w == 0 || h == 0 {
        return Err(fail(
            "empty rectangle",
            &format!("{r:?} on a {sw}x{sh} screen"),
        ));
    }
    let image = conn
        .get_image(
            ImageFormat::Z_PIXMAP,
            screen.root,
            x0 as i16,
            y0 as i16,
            w,
            h,
            !0,
        )
        .map_err(|e| fail("asking for the image", &e))?
        .reply()
        .map_err(|e| fail("reading the image", &e))?;
    let bits = setup
        .pixmap_formats
        .iter()
        .find(|f| f.depth == image.depth)
        .map(|f| f.bits_per_pixel)
        .unwrap_or(0);
    // Xvfb's 24-bit screens store pixels as 32-bit words, least significant
    // byte first: B, G, R, unused. Anything else is reported, not guessed.
    if image.depth != 24 || bits != 32 || setup.image_byte_order != ImageOrder::LSB_FIRST {
        return Err(fail(
            "unsupported pixel format",
            &format!(
                "depth {}, {bits} bits per pixel, {:?}",
                image.depth, setup.image_byte_order
            ),
        ));
    }
    let (w, h) = (usize::from(w), usize::from(h));
    let stride = image.data.len() / h;
    if stride < w * 4 {
        return Err(fail(
            "short image",
            &format!("{} bytes for {w}x{h}", image.data.len()),
        ));
    }
    let mut rgb = Vec::with_capacity(w * h * 3);
    for row in image.data.chunks_exact(stride).take(h) {
        for px in row[..w * 4].chunks_exact(4) {
            rgb.extend_from_slice(&[px[2], px[1], px[0]]);
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, w as u32, h as u32);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| fail("encoding PNG", &e))?;
        writer
            .write_image_data(&rgb)
            .map_err(|e| fail("encoding PNG", &e))?;
    }
    Ok(out)
}
