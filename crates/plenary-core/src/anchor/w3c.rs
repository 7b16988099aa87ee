//! W3C Web Annotation JSON-LD (Web Annotation Data Model, W3C Recommendation
//! 2017) in and out: one annotation, an array of them, an
//! `AnnotationCollection` (its `first` page embedded) or an `AnnotationPage`.
//!
//! Validation follows the rules the W3C test suite's JSON schemas check
//! (`definitions/*.json` of w3c/web-annotation-tests), written as plain
//! Rust: the context, one URI `id`, the `Annotation` type, a target, well
//! formed bodies, agents, dates, rights/via/canonical URIs, Specific
//! Resources with a source, selectors with their required values. An
//! invalid document is rejected whole, with every problem found.
//!
//! What becomes of the selectors: `TextQuoteSelector`,
//! `TextPositionSelector` and a `FragmentSelector` `page=N` (RFC 3778, PDF)
//! fill our [`Target`]. A text selector under `refinedBy` gives its quote
//! (the quote still finds the words) but not its position (it counts from
//! the refined part, not the text's start). `RangeSelector`, `XPathSelector`,
//! `CssSelector`, `SvgSelector`, `DataPositionSelector` are kept out: they
//! address a DOM, an image or bytes, which a text rendition does not have.

use serde_json::{Map, Value, json};

use super::selectors::{Target, TextPositionSelector, TextQuoteSelector};
use crate::error::{Error, Result};

/// The Web Annotation JSON-LD context.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// An annotation as Plenary keeps it: its identifier, where it points, and
/// its body as it came (Plenary does not interpret bodies here).
#[derive(Debug, Clone, PartialEq)]
pub struct Annotation {
    pub id: String,
    pub target: Target,
    /// The `body` (or a `TextualBody` made from `bodyValue`), if any.
    pub body: Option<Value>,
}

fn invalid(at: impl Into<String>, reason: impl Into<String>) -> Error {
    Error::InvalidAnnotation {
        at: at.into(),
        reason: reason.into(),
    }
}

/// Reads a document of annotations (text of JSON).
pub fn parse_str(json: &str) -> Result<Vec<Annotation>> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| invalid("document", format!("not JSON: {e}")))?;
    parse(&value)
}

/// Reads one annotation, an array of annotations, an `AnnotationCollection`
/// or an `AnnotationPage`. Every annotation is validated; the first invalid
/// one rejects the document, with all its problems listed.
pub fn parse(value: &Value) -> Result<Vec<Annotation>> {
    match value {
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.extend(parse_document(item, &format!("item {i}"))?);
            }
            Ok(out)
        }
        other => parse_document(other, "document"),
    }
}

fn parse_document(value: &Value, at: &str) -> Result<Vec<Annotation>> {
    let Value::Object(obj) = value else {
        return Err(invalid(at, "expected a JSON object"));
    };
    let mut problems = Vec::new();
    check_context(obj, &mut problems);
    let kind = types(obj.get("type"));
    if kind.iter().any(|t| t == "AnnotationCollection") {
        check_uri_id(obj, true, &mut problems);
        report(at, problems)?;
        let mut out = Vec::new();
        // `first` may be a URL (the pages are elsewhere): nothing embedded.
        if let Some(first @ Value::Object(_)) = obj.get("first") {
            out.extend(page_items(first, &format!("{at}, first page"))?);
        }
        if obj.contains_key("items") {
            out.extend(page_items(value, at)?);
        }
        return Ok(out);
    }
    if kind.iter().any(|t| t == "AnnotationPage") {
        report(at, problems)?;
        return page_items(value, at);
    }
    check_annotation(obj, &mut problems);
    report(at, problems)?;
    Ok(vec![annotation(obj)])
}

fn page_items(page: &Value, at: &str) -> Result<Vec<Annotation>> {
    let Some(items) = page.get("items") else {
        return Err(invalid(at, "the page has no items"));
    };
    let Value::Array(items) = items else {
        return Err(invalid(at, "items must be an array"));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = format!("{at}, item {i}");
        let Value::Object(obj) = item else {
            return Err(invalid(at, "an item must be an annotation object"));
        };
        // Items inherit the page's or collection's @context.
        let mut problems = Vec::new();
        check_annotation(obj, &mut problems);
        report(&at, problems)?;
        out.push(annotation(obj));
    }
    Ok(out)
}

fn report(at: &str, problems: Vec<String>) -> Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(invalid(at, problems.join("; ")))
    }
}

/// Checks one annotation object, without its @context (checked by the
/// caller: items of a page inherit it). Every problem is pushed.
pub fn check_annotation(obj: &Map<String, Value>, problems: &mut Vec<String>) {
    check_uri_id(obj, true, problems);
    let kind = types(obj.get("type"));
    if kind.is_empty() {
        problems.push("no type (an annotation's type is \"Annotation\")".into());
    } else if !kind.iter().any(|t| t == "Annotation") {
        problems.push(format!("type {kind:?} is not \"Annotation\""));
    }
    match obj.get("target") {
        None => problems.push("no target".into()),
        Some(t) => each(t, |t| check_resource(t, "target", problems)),
    }
    if let Some(b) = obj.get("body") {
        each(b, |b| check_resource(b, "body", problems));
        if obj.contains_key("bodyValue") {
            problems.push("both body and bodyValue (one or the other)".into());
        }
    }
    if let Some(v) = obj.get("bodyValue")
        && !v.is_string()
    {
        problems.push("bodyValue must be one string".into());
    }
    for key in ["creator", "generator"] {
        if let Some(v) = obj.get(key) {
            each(v, |a| check_agent(a, key, problems));
        }
    }
    for key in ["created", "modified", "generated"] {
        if let Some(v) = obj.get(key) {
            check_date(v, key, problems);
        }
    }
    for key in ["rights", "via", "canonical"] {
        if let Some(v) = obj.get(key) {
            let single = key == "canonical";
            check_uris(v, key, single, problems);
        }
    }
    if let Some(m) = obj.get("motivation") {
        each(m, |m| {
            if !m.is_string() {
                problems.push("motivation must be a string".into())
            }
        });
    }
}

fn check_context(obj: &Map<String, Value>, problems: &mut Vec<String>) {
    let ok = match obj.get("@context") {
        Some(Value::String(s)) => s == CONTEXT,
        Some(Value::Array(a)) => a.iter().any(|c| c.as_str() == Some(CONTEXT)),
        _ => false,
    };
    if !ok {
        problems.push(match obj.get("@context") {
            None => format!("no @context (it must be \"{CONTEXT}\")"),
            Some(c) => format!("@context {c} does not include \"{CONTEXT}\""),
        });
    }
}

/// The id: one URI (or an array holding exactly one).
fn check_uri_id(obj: &Map<String, Value>, required: bool, problems: &mut Vec<String>) {
    match obj.get("id") {
        None if required => problems.push("no id".into()),
        None => {}
        Some(v) if single_uri(v).is_none() => problems.push(format!("id {v} is not one URI")),
        Some(_) => {}
    }
}

fn single_uri(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) if is_uri(s) => Some(s),
        Value::Array(a) if a.len() == 1 => single_uri(&a[0]),
        _ => None,
    }
}

/// An absolute URI (RFC 3986): a scheme, a colon, no spaces.
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_uris(v: &Value, key: &str, single: bool, problems: &mut Vec<String>) {
    let ok = match v {
        Value::String(s) => is_uri(s),
        Value::Array(a) if !single => a.iter().all(|x| x.as_str().is_some_and(is_uri)),
        _ => false,
    };
    if !ok {
        problems.push(format!("{key} {v} is not a URI"));
    }
}

fn each(v: &Value, mut f: impl FnMut(&Value)) {
    match v {
        Value::Array(a) => a.iter().for_each(f),
        other => f(other),
    }
}

fn types(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// A body or target: a URI, or an object (external resource, textual body,
/// specific resource, choice/list/composite of them).
fn check_resource(v: &Value, what: &str, problems: &mut Vec<String>) {
    let obj = match v {
        Value::String(s) => {
            if !is_uri(s) {
                problems.push(format!("{what} {s:?} is not a URI"));
            }
            return;
        }
        Value::Object(o) => o,
        other => {
            problems.push(format!("{what} {other} is neither a URI nor an object"));
            return;
        }
    };
    if let Some(id) = obj.get("id")
        && single_uri(id).is_none()
    {
        problems.push(format!("{what} id {id} is not one URI"));
    }
    let kind = types(obj.get("type"));
    const COMPOSITE: [&str; 4] = ["Choice", "List", "Composite", "Independents"];
    let composites = kind
        .iter()
        .filter(|t| COMPOSITE.contains(&t.as_str()))
        .count();
    if composites > 1 {
        problems.push(format!("{what} has several composite types {kind:?}"));
    }
    if let Some(items) = obj.get("items") {
        if composites == 0 {
            problems.push(format!(
                "{what} has items but is not a Choice, List, Composite or Independents"
            ));
        }
        each(items, |i| check_resource(i, what, problems));
        return;
    }
    if let Some(f) = obj.get("format") {
        let ok = |s: &str| {
            [
                "application/",
                "audio/",
                "example/",
                "image/",
                "multipart/",
                "text/",
                "video/",
            ]
            .iter()
            .any(|p| s.starts_with(p))
        };
        let good = match f {
            Value::String(s) => ok(s),
            Value::Array(a) => a.iter().all(|x| x.as_str().is_some_and(ok)),
            _ => false,
        };
        if !good {
            problems.push(format!("{what} format {f} is not a media type"));
        }
    }
    if let Some(l) = obj.get("language") {
        let good = match l {
            Value::String(_) => true,
            Value::Array(a) => a.iter().all(Value::is_string),
            _ => false,
        };
        if !good {
            problems.push(format!("{what} language {l} is not a language tag"));
        }
    }
    if let Some(p) = obj.get("processingLanguage")
        && !p.is_string()
    {
        problems.push(format!("{what} processingLanguage {p} is not one language"));
    }
    if let Some(d) = obj.get("textDirection")
        && !matches!(d.as_str(), Some("ltr" | "rtl" | "auto"))
    {
        problems.push(format!(
            "{what} textDirection {d} is not \"ltr\", \"rtl\" or \"auto\""
        ));
    }
    if kind.iter().any(|t| t == "TextualBody") && !obj.get("value").is_some_and(Value::is_string) {
        problems.push(format!("{what} is a TextualBody without one string value"));
    }
    for key in ["creator", "generator"] {
        if let Some(v) = obj.get(key) {
            each(v, |a| check_agent(a, key, problems));
        }
    }
    for key in ["created", "modified"] {
        if let Some(v) = obj.get(key) {
            check_date(v, key, problems);
        }
    }
    if let Some(r) = obj.get("rights") {
        check_uris(r, "rights", false, problems);
    }
    let specific = kind.iter().any(|t| t == "SpecificResource")
        || obj.contains_key("selector")
        || obj.contains_key("state");
    if specific {
        match obj.get("source") {
            None => problems.push(format!("{what} is a Specific Resource without a source")),
            Some(s) => check_resource(s, "source", problems),
        }
    } else if !obj.contains_key("id") && !obj.contains_key("source") && composites == 0 {
        let textual = kind.iter().any(|t| t == "TextualBody") || obj.contains_key("value");
        if !textual {
            problems.push(format!("{what} has neither an id nor a source"));
        }
    }
    if let Some(s) = obj.get("selector") {
        each(s, |s| check_selector(s, problems));
    }
}

fn check_selector(v: &Value, problems: &mut Vec<String>) {
    let obj = match v {
        Value::Object(o) => o,
        Value::String(s) if is_uri(s) => return,
        other => {
            problems.push(format!("selector {other} is not an object"));
            return;
        }
    };
    let kind = types(obj.get("type"));
    let Some(kind) = kind.first() else {
        problems.push("selector without a type".into());
        return;
    };
    let needs_string = |key: &str, problems: &mut Vec<String>| {
        if !obj.get(key).is_some_and(Value::is_string) {
            problems.push(format!("{kind} needs one string {key}"));
        }
    };
    match kind.as_str() {
        // An SvgSelector may point at its SVG by id instead of a value.
        "SvgSelector" if obj.contains_key("id") => {}
        "FragmentSelector" | "CssSelector" | "XPathSelector" | "SvgSelector" => {
            needs_string("value", problems)
        }
        "TextQuoteSelector" => {
            needs_string("exact", problems);
            for key in ["prefix", "suffix"] {
                if obj.get(key).is_some_and(|v| !v.is_string()) {
                    problems.push(format!("TextQuoteSelector {key} must be a string"));
                }
            }
        }
        "TextPositionSelector" | "DataPositionSelector" => {
            let start = obj.get("start").and_then(Value::as_u64);
            let end = obj.get("end").and_then(Value::as_u64);
            match (start, end) {
                (Some(s), Some(e)) if s <= e => {}
                _ => problems.push(format!(
                    "{kind} needs start and end, non-negative integers with start <= end"
                )),
            }
        }
        "RangeSelector" => {
            for key in ["startSelector", "endSelector"] {
                match obj.get(key) {
                    Some(s) => check_selector(s, problems),
                    None => problems.push(format!("RangeSelector needs {key}")),
                }
            }
        }
        _ => {}
    }
    if let Some(r) = obj.get("refinedBy") {
        each(r, |r| check_selector(r, problems));
    }
}

fn check_agent(v: &Value, key: &str, problems: &mut Vec<String>) {
    match v {
        Value::String(s) if is_uri(s) => {}
        Value::Object(o) => {
            if let Some(id) = o.get("id")
                && single_uri(id).is_none()
            {
                problems.push(format!("{key} id {id} is not one URI"));
            }
            for k in ["name", "nickname", "email_sha1"] {
                if o.get(k).is_some_and(|v| !v.is_string() && !v.is_array()) {
                    problems.push(format!("{key} {k} must be a string"));
                }
            }
            if let Some(h) = o.get("homepage") {
                check_uris(h, "homepage", false, problems);
            }
        }
        other => problems.push(format!("{key} {other} is neither a URI nor an agent")),
    }
}

fn check_date(v: &Value, key: &str, problems: &mut Vec<String>) {
    let ok = v.as_str().is_some_and(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
    });
    if !ok {
        problems.push(format!(
            "{key} {v} is not one date-time (xsd:dateTime with a time zone, e.g. 2015-01-28T12:00:00Z)"
        ));
    }
}

/// Our annotation from a validated annotation object.
fn annotation(obj: &Map<String, Value>) -> Annotation {
    let id = obj
        .get("id")
        .and_then(single_uri)
        .unwrap_or_default()
        .to_string();
    let mut targets = Vec::new();
    if let Some(t) = obj.get("target") {
        each(t, |t| targets.push(target(t)));
    }
    let target = targets
        .iter()
        .find(|t| t.has_text_selector())
        .or(targets.first())
        .cloned()
        .unwrap_or_default();
    let body = obj.get("body").cloned().or_else(|| {
        obj.get("bodyValue")
            .map(|v| json!({"type": "TextualBody", "value": v}))
    });
    Annotation { id, target, body }
}

fn target(v: &Value) -> Target {
    let mut t = Target::default();
    match v {
        Value::String(s) => t.source = Some(s.clone()),
        Value::Object(o) => {
            t.source = o
                .get("source")
                .and_then(|s| match s {
                    Value::String(s) => Some(s.clone()),
                    other => other.get("id").and_then(single_uri).map(str::to_string),
                })
                .or_else(|| o.get("id").and_then(single_uri).map(str::to_string));
            if let Some(s) = o.get("selector") {
                each(s, |s| read_selector(s, &mut t, false));
            }
        }
        _ => {}
    }
    t
}

fn read_selector(v: &Value, t: &mut Target, refined: bool) {
    let kind = types(v.get("type"));
    match kind.first().map(String::as_str) {
        Some("TextQuoteSelector") if t.quote.is_none() => {
            let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            t.quote = Some(TextQuoteSelector {
                exact: s("exact"),
                prefix: s("prefix"),
                suffix: s("suffix"),
            });
        }
        Some("TextPositionSelector") if !refined && t.position.is_none() => {
            let n = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(0) as usize;
            t.position = Some(TextPositionSelector {
                start: n("start"),
                end: n("end"),
            });
        }
        Some("FragmentSelector") if !refined => {
            let value = v.get("value").and_then(Value::as_str).unwrap_or("");
            if let Some(page) = value
                .split('&')
                .find_map(|p| p.strip_prefix("page="))
                .and_then(|p| p.parse().ok())
            {
                t.page = Some(page);
            }
        }
        _ => {}
    }
    if let Some(r) = v.get("refinedBy") {
        each(r, |r| read_selector(r, t, true));
    }
}

/// One annotation as W3C Web Annotation JSON-LD (with its @context).
pub fn to_json(a: &Annotation) -> Value {
    let mut obj = annotation_json(a);
    obj.insert("@context".into(), json!(CONTEXT));
    Value::Object(obj)
}

fn annotation_json(a: &Annotation) -> Map<String, Value> {
    let t = &a.target;
    let mut selectors = Vec::new();
    if let Some(q) = &t.quote {
        let mut s = json!({"type": "TextQuoteSelector", "exact": q.exact});
        if !q.prefix.is_empty() {
            s["prefix"] = json!(q.prefix);
        }
        if !q.suffix.is_empty() {
            s["suffix"] = json!(q.suffix);
        }
        selectors.push(s);
    }
    if let Some(p) = &t.position {
        selectors.push(json!({"type": "TextPositionSelector", "start": p.start, "end": p.end}));
    }
    if let Some(page) = t.page {
        selectors.push(json!({
            "type": "FragmentSelector",
            "conformsTo": "http://tools.ietf.org/rfc/rfc3778",
            "value": format!("page={page}"),
        }));
    }
    let source = t
        .source
        .clone()
        .unwrap_or_else(|| "urn:x-plenary:text".into());
    let target = if selectors.is_empty() {
        json!(source)
    } else {
        json!({"type": "SpecificResource", "source": source, "selector": selectors})
    };
    let mut obj = Map::new();
    obj.insert("id".into(), json!(a.id));
    obj.insert("type".into(), json!("Annotation"));
    if let Some(b) = &a.body {
        obj.insert("body".into(), b.clone());
    }
    obj.insert("target".into(), target);
    obj
}

/// Annotations as one `AnnotationCollection` with its first (only) page
/// embedded.
pub fn to_collection(id: &str, annotations: &[Annotation]) -> Value {
    let items: Vec<Value> = annotations
        .iter()
        .map(|a| Value::Object(annotation_json(a)))
        .collect();
    json!({
        "@context": CONTEXT,
        "id": id,
        "type": "AnnotationCollection",
        "total": items.len(),
        "first": {
            "id": format!("{id}/page1"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    })
}
