import DOMPurify from "dompurify";

/** Untrusted HTML as an inert fragment safe to insert into the page. */
export function sanitizeHtml(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, {
    RETURN_DOM_FRAGMENT: true,
    USE_PROFILES: { html: true },
    // Our typography, not the document's; nothing that loads or submits.
    FORBID_TAGS: ["style", "link", "form", "input", "button", "textarea", "select", "iframe", "object", "embed", "video", "audio", "source", "picture"],
    FORBID_ATTR: ["style", "class", "srcset", "action", "formaction", "target"],
    // Images only as inline data; remote ones would be remote content (the
    // CSP blocks them anyway).
    ALLOWED_URI_REGEXP: /^(?:#|data:image\/(?:png|jpeg|gif|webp);)/i,
  });
}
