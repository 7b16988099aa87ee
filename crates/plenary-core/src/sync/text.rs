//! The wire form of `GET /v1/files/{sha256}/text`: the file's rendition
//! (its text page by page, or why there is none) and, for a PDF, a picture
//! of its first page. One request brings both, so previews cost a sync no
//! extra round trip; a server without previews simply sends none. A sync
//! asks for many at once (`POST /v1/texts`, [`Texts`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::cache::{Preview, Rendition};
use crate::model::Sha256;

/// The body of `GET /v1/files/{sha256}/text`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileText {
    #[serde(flatten)]
    pub rendition: Rendition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<WirePreview>,
}

/// The body of `POST /v1/texts` ([`Texts`] answers it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextsWanted {
    pub sha256: Vec<Sha256>,
}

/// The answer to `POST /v1/texts`: the texts of several files at once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Texts {
    pub texts: Vec<TextOf>,
    /// Asked for and without a text (not extracted yet, or not visible).
    #[serde(default)]
    pub missing: Vec<Sha256>,
}

/// One file's text in [`Texts`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TextOf {
    pub sha256: Sha256,
    #[serde(flatten)]
    pub text: FileText,
}

/// A preview on the wire: the PNG in base64 (the text's JSON carries it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WirePreview {
    /// Always "image/png" today; anything else is ignored by clients.
    pub media_type: String,
    pub width_pt: f64,
    pub height_pt: f64,
    pub data: String,
}

impl WirePreview {
    pub const PNG: &str = "image/png";

    pub fn encode(preview: &Preview) -> Self {
        Self {
            media_type: Self::PNG.into(),
            width_pt: preview.width_pt,
            height_pt: preview.height_pt,
            data: STANDARD.encode(&preview.png),
        }
    }

    /// The preview, checked ([`Preview::new`]), or why it cannot be used.
    pub fn decode(self) -> Result<Preview, String> {
        if self.media_type != Self::PNG {
            return Err(format!(
                "a preview of type {:?}, not {}",
                self.media_type,
                Self::PNG
            ));
        }
        // Base64 is 4/3 of the bytes: refuse before decoding a huge string.
        if self.data.len() / 4 * 3 > Preview::MAX_BYTES + 3 {
            return Err(format!(
                "{} bytes of base64 is more than a preview may take",
                self.data.len()
            ));
        }
        let png = STANDARD
            .decode(self.data.as_bytes())
            .map_err(|e| format!("its base64 is broken: {e}"))?;
        Preview::new(self.width_pt, self.height_pt, png)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn body(json: &str) -> FileText {
        serde_json::from_str(json).expect("a text body")
    }

    #[test]
    fn a_text_without_preview_is_read_as_before() {
        let t = body(r#"{"status":"ok","extractor":"pdftotext","pages":["a","b"]}"#);
        assert!(t.preview.is_none());
        assert_eq!(
            t.rendition,
            Rendition::Ok {
                extractor: "pdftotext".into(),
                pages: vec!["a".into(), "b".into()]
            }
        );
        let t = body(r#"{"status":"unavailable","extractor":"pdftotext","reason":"scanned"}"#);
        assert!(matches!(t.rendition, Rendition::Unavailable { .. }));
    }

    #[test]
    fn a_preview_round_trips_and_comes_with_either_rendition() {
        let preview = Preview::new(595.0, 842.0, PNG.to_vec()).unwrap();
        let sent = FileText {
            rendition: Rendition::Unavailable {
                extractor: "pdftotext".into(),
                reason: "scanned".into(),
            },
            preview: Some(WirePreview::encode(&preview)),
        };
        let json = serde_json::to_string(&sent).unwrap();
        let got: FileText = serde_json::from_str(&json).unwrap();
        assert_eq!(got.rendition, sent.rendition);
        assert_eq!(got.preview.unwrap().decode().unwrap(), preview);
    }

    #[test]
    fn a_bad_preview_is_refused_with_the_reason() {
        let good = WirePreview::encode(&Preview::new(595.0, 842.0, PNG.to_vec()).unwrap());
        let cases = [
            (
                WirePreview {
                    media_type: "image/svg+xml".into(),
                    ..good.clone()
                },
                "not image/png",
            ),
            (
                WirePreview {
                    data: "%%%".into(),
                    ..good.clone()
                },
                "base64",
            ),
            (
                WirePreview {
                    data: STANDARD.encode(b"<svg/>"),
                    ..good.clone()
                },
                "not a PNG",
            ),
            (
                WirePreview {
                    width_pt: f64::NAN,
                    ..good.clone()
                },
                "not one PDF allows",
            ),
            (
                WirePreview {
                    height_pt: 0.0,
                    ..good.clone()
                },
                "not one PDF allows",
            ),
            (
                WirePreview {
                    width_pt: 1e9,
                    ..good.clone()
                },
                "not one PDF allows",
            ),
            (
                WirePreview {
                    data: "A".repeat(Preview::MAX_BYTES / 3 * 4 + 64),
                    ..good.clone()
                },
                "more than a preview may take",
            ),
        ];
        let mut huge = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        huge.extend(100_000u32.to_be_bytes());
        huge.extend(10u32.to_be_bytes());
        let cases = cases.into_iter().chain([(
            WirePreview {
                data: STANDARD.encode(&huge),
                ..good.clone()
            },
            "larger than a preview may be",
        )]);
        for (wire, why) in cases {
            let err = wire
                .clone()
                .decode()
                .expect_err("a bad preview must be refused");
            assert!(
                err.contains(why),
                "refusing {wire:?}: {err:?} should say {why:?}"
            );
        }
    }
}
