//! Re-anchoring on hand-made revisions: each outcome, non-Latin scripts,
//! repeated quotes, page breaks; W3C JSON-LD in and out.

use super::*;

const OLD: &str = "Article 1\n1. The Parties shall cooperate in good faith to protect the marine environment of the region.\n2. Each Party shall designate a national focal point within six months.\nArticle 2\n1. The secretariat shall convene a meeting of experts every two years.\n2. Reports shall be published in all official languages of the Organization.\n";

fn target_of(text: &DocText, quote: &str) -> Target {
    let byte = text.as_str().find(quote).expect("quote in text");
    let start = text.char_of(byte);
    describe(text, None, start, start + quote.chars().count()).unwrap()
}

fn place(old: &str, new: &str, quote: &str) -> (Placement, DocText) {
    let old = DocText::new(old);
    let new = DocText::new(new);
    let target = target_of(&old, quote);
    let p = Reanchorer::new(&new).with_old(&old).reanchor(&target);
    (p, new)
}

fn matched(p: &Placement) -> &str {
    p.matched.as_deref().unwrap_or("")
}

#[test]
fn anchor_unchanged_text_is_placed_unchanged() {
    let (p, _) = place(OLD, OLD, "designate a national focal point");
    assert_eq!(p.outcome, Outcome::Unchanged, "{p:?}");
    assert_eq!(matched(&p), "designate a national focal point");
    assert_eq!(p.score, 1.0);
}

#[test]
fn anchor_text_moved_by_an_insertion_is_placed_moved() {
    // A new paragraph 1: the old paragraph 1 is now paragraph 2.
    let new = OLD.replace(
        "Article 2\n1. The secretariat",
        "Article 2\n1. A new paragraph was inserted here by the drafting group.\n2. The secretariat",
    );
    let (p, new) = place(OLD, &new, "convene a meeting of experts");
    assert_eq!(p.outcome, Outcome::Moved, "{p:?}");
    let start = p.start.unwrap();
    assert_eq!(
        new.slice(start, p.end.unwrap()),
        "convene a meeting of experts"
    );
    assert!(p.score >= reanchor::PLACE_SCORE);
}

#[test]
fn anchor_changed_wording_is_placed_changed_with_both_wordings() {
    let new = OLD.replace(
        "designate a national focal point within six months",
        "designate one national focal point within twelve months",
    );
    let (p, _) = place(
        OLD,
        &new,
        "designate a national focal point within six months",
    );
    match &p.outcome {
        Outcome::Changed { old_quote } => {
            assert_eq!(
                old_quote,
                "designate a national focal point within six months"
            )
        }
        other => panic!("expected changed, got {other:?} ({p:?})"),
    }
    assert_eq!(
        matched(&p),
        "designate one national focal point within twelve months"
    );
}

#[test]
fn anchor_rewritten_text_needs_review_or_is_orphaned_never_misplaced() {
    let new = OLD.replace(
        "Reports shall be published in all official languages of the Organization.",
        "The Assembly decides what to print.",
    );
    let (p, _) = place(
        OLD,
        &new,
        "Reports shall be published in all official languages",
    );
    assert!(!p.outcome.is_placed(), "{p:?}");
}

#[test]
fn anchor_deleted_text_is_orphaned_with_a_reason() {
    let new = OLD.replace(
        "2. Each Party shall designate a national focal point within six months.\n",
        "",
    );
    let (p, _) = place(OLD, &new, "national focal point within six months");
    match &p.outcome {
        Outcome::Orphaned { reason, .. } | Outcome::NeedsReview { reason, .. } => {
            assert!(!reason.is_empty())
        }
        other => panic!("deleted text must not be placed: {other:?}"),
    }
    if let Outcome::Orphaned { .. } = p.outcome {
        assert_eq!(p.start, None);
    }
}

#[test]
fn anchor_repeated_quote_is_disambiguated_by_context() {
    let old = "Article 1\nThe Committee shall meet annually. Members serve two years.\nArticle 2\nThe Committee shall meet annually. Observers may attend.\n";
    // An insertion at the top shifts positions; the second occurrence is
    // still told apart by its suffix.
    let new = format!("Preamble text added.\n{old}");
    let o = DocText::new(old);
    let byte = old.rfind("The Committee shall meet annually").unwrap();
    let start = o.char_of(byte);
    let target = describe(&o, None, start, start + 33).unwrap();
    let n = DocText::new(new.clone());
    let p = Reanchorer::new(&n).with_old(&o).reanchor(&target);
    // Same article, same page, same context: unchanged though shifted.
    assert_eq!(p.outcome, Outcome::Unchanged, "{p:?}");
    let expected = n.char_of(new.rfind("The Committee shall meet annually").unwrap());
    assert_eq!(p.start, Some(expected));
}

#[test]
fn anchor_repeated_quote_without_context_is_disambiguated_by_position() {
    let text = "alpha beta gamma. ".repeat(200);
    let t = DocText::new(text.clone());
    let target = Target {
        quote: Some(TextQuoteSelector {
            exact: "beta gamma".into(),
            prefix: String::new(),
            suffix: String::new(),
        }),
        position: Some(TextPositionSelector {
            start: 18 * 150 + 6,
            end: 18 * 150 + 16,
        }),
        ..Target::default()
    };
    let p = Reanchorer::new(&t).with_old(&t).reanchor(&target);
    assert_eq!(p.outcome, Outcome::Unchanged, "{p:?}");
    assert_eq!(p.start, Some(18 * 150 + 6));
}

#[test]
fn anchor_repeated_quote_with_no_evidence_needs_review() {
    let t = DocText::new("same words here. same words here.");
    let target = Target {
        quote: Some(TextQuoteSelector {
            exact: "same words".into(),
            prefix: String::new(),
            suffix: String::new(),
        }),
        ..Target::default()
    };
    let p = Reanchorer::new(&t).reanchor(&target);
    assert!(matches!(p.outcome, Outcome::NeedsReview { .. }), "{p:?}");
}

#[test]
fn anchor_quote_spanning_a_page_break_survives_repagination() {
    let old = DocText::from_pages(&[
        "Article 3\n1. States Parties shall take all appropriate",
        "measures to ensure the full development of women.",
    ]);
    let quote = "appropriate\u{c}measures to ensure";
    let target = target_of(&old, quote);
    assert_eq!(target.page, Some(1));
    // The new revision breaks the page elsewhere.
    let new = DocText::from_pages(&[
        "Article 3\n1. States Parties shall take all appropriate measures",
        "to ensure the full development of women.",
    ]);
    let p = Reanchorer::new(&new).with_old(&old).reanchor(&target);
    assert_eq!(p.outcome, Outcome::Moved, "{p:?}");
    assert_eq!(matched(&p), "appropriate measures\u{c}to ensure");
    assert_eq!(new.page_of(p.end.unwrap() - 1), 2);
}

#[test]
fn anchor_russian_arabic_chinese() {
    let cases = [
        (
            "Статья 5\n1. Государства-участники принимают все надлежащие меры для защиты прав человека.\n",
            "все надлежащие меры для защиты",
            "все необходимые меры для защиты",
        ),
        (
            "المادة 5\n1. تتخذ الدول الأطراف جميع التدابير المناسبة لحماية حقوق الإنسان في المنطقة.\n",
            "جميع التدابير المناسبة لحماية حقوق",
            "جميع التدابير اللازمة لحماية حقوق",
        ),
        (
            "第5条\n缔约国应采取一切适当措施保护该区域的人权和基本自由。\n",
            "采取一切适当措施保护该区域的人权",
            "采取一切必要措施保护该区域的人权",
        ),
    ];
    for (old, quote, changed) in cases {
        // Unchanged, after an insertion above.
        let moved = format!("Preamble.\n{old}");
        let (p, _) = place(old, &moved, quote);
        assert_eq!(p.outcome, Outcome::Unchanged, "{quote}: {p:?}");
        assert_eq!(matched(&p), quote);
        // One word changed.
        let new = old.replace(quote, changed);
        let (p, _) = place(old, &new, quote);
        assert!(
            matches!(p.outcome, Outcome::Changed { .. }),
            "{quote}: {p:?}"
        );
        assert_eq!(matched(&p), changed);
        // Structure in its language.
        let t = DocText::new(old);
        let target = target_of(&t, quote);
        assert_eq!(
            target.structure.map(|s| s.label).as_deref(),
            Some(if old.starts_with('第') {
                "Article 5"
            } else {
                "Article 5, paragraph 1"
            })
        );
    }
}

#[test]
fn anchor_position_only_target_takes_its_quote_from_the_old_text() {
    let old = DocText::new(OLD);
    let byte = OLD.find("meeting of experts").unwrap();
    let start = old.char_of(byte);
    let target = Target {
        position: Some(TextPositionSelector {
            start,
            end: start + 18,
        }),
        ..Target::default()
    };
    let new = DocText::new(format!("Intro.\n{OLD}"));
    let p = Reanchorer::new(&new).with_old(&old).reanchor(&target);
    assert_eq!(p.outcome, Outcome::Unchanged, "{p:?}");
    assert_eq!(matched(&p), "meeting of experts");
    // Without the old text there is nothing to go on.
    let p = Reanchorer::new(&new).reanchor(&target);
    assert!(matches!(p.outcome, Outcome::Orphaned { .. }));
}

#[test]
fn anchor_naive_baseline_agrees_on_simple_cases() {
    let new = OLD.replace("six months", "twelve months");
    let old = DocText::new(OLD);
    let new = DocText::new(new);
    let r = Reanchorer::new(&new).with_old(&old);
    for quote in [
        "convene a meeting of experts",
        "designate a national focal point within six months",
    ] {
        let t = target_of(&old, quote);
        let fast = r.reanchor(&t);
        let naive = r.reanchor_naive(&t);
        assert_eq!(fast.outcome.name(), naive.outcome.name(), "{quote}");
        assert_eq!((fast.start, fast.end), (naive.start, naive.end), "{quote}");
    }
}

#[test]
fn anchor_describe_rejects_bad_ranges() {
    let t = DocText::new("short");
    let e = describe(&t, None, 3, 9).unwrap_err();
    assert_eq!(e.code(), crate::ErrorCode::InvalidInput);
}

#[test]
fn anchor_w3c_round_trip_and_shapes() {
    let text = DocText::new(OLD);
    let target = target_of(&text, "convene a meeting of experts");
    let a = w3c::Annotation {
        id: "urn:uuid:1".into(),
        target: Target {
            source: Some("https://example.org/doc/en/1".into()),
            structure: None,
            ..target
        },
        body: Some(serde_json::json!({"type": "TextualBody", "value": "check"})),
    };
    let one = w3c::to_json(&a);
    assert_eq!(w3c::parse(&one).unwrap(), vec![a.clone()]);
    let coll = w3c::to_collection("urn:uuid:c", &[a.clone(), a.clone()]);
    assert_eq!(w3c::parse(&coll).unwrap().len(), 2);
    let arr = serde_json::json!([one.clone(), one]);
    assert_eq!(w3c::parse(&arr).unwrap().len(), 2);
}

#[test]
fn anchor_w3c_rejects_with_reasons() {
    let e = w3c::parse_str("this is not json").unwrap_err();
    assert_eq!(e.code(), crate::ErrorCode::InvalidAnnotation);
    let e = w3c::parse_str(
        r#"{"@context": "http://www.w3.org/ns/anno.jsonld", "id": "http://x.org/1",
            "type": "Annotation", "target": {"type": "SpecificResource",
            "selector": {"type": "TextQuoteSelector"}}}"#,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("without a source"), "{e}");
    assert!(e.contains("exact"), "{e}");
}

#[test]
fn anchor_w3c_refined_and_range_selectors() {
    let doc = serde_json::json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "http://example.org/a",
        "type": "Annotation",
        "target": {
            "source": "http://example.org/doc.pdf",
            "selector": [
                {"type": "FragmentSelector", "value": "page=3",
                 "refinedBy": {"type": "TextQuoteSelector", "exact": "words"}},
                {"type": "RangeSelector",
                 "startSelector": {"type": "XPathSelector", "value": "/p[1]"},
                 "endSelector": {"type": "XPathSelector", "value": "/p[2]"}}
            ]
        }
    });
    let a = &w3c::parse(&doc).unwrap()[0];
    assert_eq!(a.target.page, Some(3));
    assert_eq!(a.target.quote.as_ref().unwrap().exact, "words");
    assert_eq!(a.target.position, None);
}

#[test]
fn anchor_text_moved_to_another_article_is_moved() {
    let para = "2. Reports shall be published in all official languages of the Organization.\n";
    let new = OLD
        .replace(para, "")
        .replace("2. Each Party shall", &format!("{para}3. Each Party shall"));
    let (p, new) = place(OLD, &new, "published in all official languages");
    assert_eq!(p.outcome, Outcome::Moved, "{p:?}");
    assert_eq!(
        new.slice(p.start.unwrap(), p.end.unwrap()),
        "published in all official languages"
    );
}

#[test]
fn anchor_fold_ascii_and_unicode_agree() {
    // The ASCII fast path folds as the general one does.
    let ascii = "a  b\t\nc\u{c}\u{b}d  ";
    let t1 = DocText::new(ascii);
    let t2 = DocText::new(format!("{ascii}é"));
    let target = Target {
        quote: Some(TextQuoteSelector {
            exact: "b c d".into(),
            prefix: String::new(),
            suffix: String::new(),
        }),
        ..Target::default()
    };
    for t in [&t1, &t2] {
        let p = Reanchorer::new(t).reanchor(&target);
        assert_eq!((p.start, p.end), (Some(3), Some(10)), "{p:?}");
    }
}
