//! `plenary publish`: a secretariat's document pipeline, scripted.
//!
//! - a folder (a bundle: `records.json` plus `files/<sha256>.<ext>`, as
//!   `plenary demo export` writes it): every file is uploaded (the server
//!   skips what it has), then all records are published in one batch;
//! - a single file: published as a new version of a document in a language.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use plenary_core::model::{MediaType, Record, Sha256};

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// A bundle folder, or one file to publish as a version.
    pub path: PathBuf,
    /// The server's address.
    #[arg(long, env = "PLENARY_SERVER", default_value = "http://127.0.0.1:8787")]
    pub server: String,
    /// A staff token.
    #[arg(long, env = "PLENARY_TOKEN", hide_env_values = true)]
    pub token: String,
    /// For a single file: the document it is a version of.
    #[arg(long)]
    pub document: Option<String>,
    /// For a single file: its language (ar, en, es, fr, ru, zh).
    #[arg(long)]
    pub language: Option<String>,
    /// For a single file: its label ("Rev.1", "Advance copy").
    #[arg(long)]
    pub label: Option<String>,
    /// For a single file: its revision number (default: from the label, else the next one).
    #[arg(long)]
    pub revision: Option<u32>,
}

fn client() -> Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(600))
        .build()?)
}

/// Turns a non-2xx answer into an error carrying the server's own message.
fn check(resp: reqwest::blocking::Response) -> Result<reqwest::blocking::Response> {
    if resp.status().is_success() {
        return Ok(resp);
    }
    let status = resp.status();
    let body: serde_json::Value = resp.json().unwrap_or_default();
    match (
        body["error"]["code"].as_str(),
        body["error"]["message"].as_str(),
    ) {
        (Some(code), Some(message)) => bail!("the server refused ({status}, {code}): {message}"),
        _ => bail!("the server answered {status}"),
    }
}

pub fn run(out: &mut impl Write, args: &PublishArgs) -> Result<()> {
    let server = args.server.trim_end_matches('/');
    if args.path.is_dir() {
        bundle(out, server, args)
    } else {
        single(out, server, args)
    }
}

fn media_type_of(path: &Path) -> Result<MediaType> {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pdf") => Ok(MediaType::Pdf),
        Some("html" | "htm") => Ok(MediaType::Html),
        Some("txt") => Ok(MediaType::Text),
        Some("docx") => Ok(MediaType::Docx),
        _ => bail!(
            "{}: only .pdf, .html, .txt and .docx files can be published",
            path.display()
        ),
    }
}

fn bundle(out: &mut impl Write, server: &str, args: &PublishArgs) -> Result<()> {
    let dir = &args.path;
    let records_path = dir.join("records.json");
    let records: Vec<Record> = serde_json::from_slice(
        &std::fs::read(&records_path)
            .with_context(|| format!("reading {}", records_path.display()))?,
    )
    .with_context(|| format!("{} is not a list of records", records_path.display()))?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("files"))
        .with_context(|| format!("reading {}", dir.join("files").display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    let http = client()?;
    let started = Instant::now();
    let (mut sent, mut uploaded, mut skipped) = (0u64, 0usize, 0usize);
    for (i, path) in files.iter().enumerate() {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let sha: Sha256 = stem
            .parse()
            .with_context(|| format!("{}: files are named by their sha256", path.display()))?;
        let media_type = media_type_of(path)?;
        let bytes = std::fs::read(path)?;
        let resp = check(
            http.put(format!("{server}/v1/files/{sha}"))
                .bearer_auth(&args.token)
                .header("Content-Type", media_type.as_str())
                .body(bytes.clone())
                .send()
                .with_context(|| format!("uploading {}", path.display()))?,
        )?;
        if resp.status() == reqwest::StatusCode::CREATED {
            uploaded += 1;
        } else {
            skipped += 1;
        }
        sent += bytes.len() as u64;
        let rate = sent as f64 / started.elapsed().as_secs_f64().max(1e-3) / 1e6;
        writeln!(
            out,
            "[{:>3}/{}] {:>5.1}% {:>7.1} MB/s  {}",
            i + 1,
            files.len(),
            100.0 * sent as f64 / total.max(1) as f64,
            rate,
            path.file_name().unwrap_or_default().to_string_lossy()
        )?;
    }
    let resp: serde_json::Value = check(
        http.post(format!("{server}/v1/records"))
            .bearer_auth(&args.token)
            .json(&records)
            .send()
            .context("publishing the records")?,
    )?
    .json()?;
    writeln!(
        out,
        "Published {} records and {} files ({uploaded} new, {skipped} already there); the feed is at {}.",
        records.len(),
        files.len(),
        resp["cursor"]
    )?;
    Ok(())
}

fn single(out: &mut impl Write, server: &str, args: &PublishArgs) -> Result<()> {
    let (Some(document), Some(language), Some(label)) =
        (&args.document, &args.language, &args.label)
    else {
        bail!("to publish one file, give --document, --language and --label");
    };
    let media_type = media_type_of(&args.path)?;
    let bytes =
        std::fs::read(&args.path).with_context(|| format!("reading {}", args.path.display()))?;
    let name = args
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut form = reqwest::blocking::multipart::Form::new()
        .text("language", language.clone())
        .text("label", label.clone())
        .part(
            "file",
            reqwest::blocking::multipart::Part::bytes(bytes)
                .file_name(name)
                .mime_str(media_type.as_str())?,
        );
    if let Some(revision) = args.revision {
        form = form.text("revision", revision.to_string());
    }
    let resp = check(
        client()?
            .post(format!("{server}/v1/documents/{document}/versions"))
            .bearer_auth(&args.token)
            .multipart(form)
            .send()
            .context("uploading")?,
    )?;
    let created = resp.status() == reqwest::StatusCode::CREATED;
    let version: serde_json::Value = resp.json()?;
    writeln!(
        out,
        "{} {} ({}, revision {}, {}).",
        if created {
            "Published"
        } else {
            "Already published:"
        },
        version["id"].as_str().unwrap_or_default(),
        version["language"].as_str().unwrap_or_default(),
        version["revision"],
        version["label"].as_str().unwrap_or_default()
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_map_to_media_types() {
        for (name, media_type) in [
            ("a.pdf", MediaType::Pdf),
            ("a.HTM", MediaType::Html),
            ("a.html", MediaType::Html),
            ("a.txt", MediaType::Text),
            ("CCM_MSP_2024_WP.3-en.docx", MediaType::Docx),
        ] {
            assert_eq!(media_type_of(Path::new(name)).unwrap(), media_type);
        }
        for name in ["a.doc", "a.odt", "a"] {
            assert!(media_type_of(Path::new(name)).is_err(), "{name}");
        }
    }
}
