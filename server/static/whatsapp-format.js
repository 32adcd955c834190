// WhatsApp's text formatting, rendered as WhatsApp renders it: *bold*, _italic_, ~strike~,
// ```monospace``` and clickable http(s) links. Only DOM nodes with textContent are built,
// never HTML strings, so whatever a message holds is shown, not run.
"use strict";

(function () {
  const LINK = /\b(?:https?:\/\/|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi;
  const STYLES = [
    { mark: "```", tag: "code" },
    { mark: "*", tag: "strong" },
    { mark: "_", tag: "em" },
    { mark: "~", tag: "s" },
  ];

  // A marker opens at the start or after a space or punctuation, closes before the end or
  // a space or punctuation, and holds no line break and no space next to it, as WhatsApp.
  function findStyled(text) {
    let best = null;
    for (const style of STYLES) {
      const m = style.mark.replace(/[*]/g, "\\*");
      const pattern = new RegExp(
        `(^|[\\s(\\[{"'.,;:!?-])${m}(\\S(?:[^\\n]*?\\S)?)${m}(?=$|[\\s)\\]}"'.,;:!?-])`,
      );
      const found = pattern.exec(text);
      if (found && (!best || found.index + found[1].length < best.start)) {
        const start = found.index + found[1].length;
        best = { start, end: start + found[2].length + 2 * style.mark.length, inner: found[2], style };
      }
    }
    return best;
  }

  function appendStyled(parent, text) {
    let rest = text;
    while (rest) {
      const styled = findStyled(rest);
      if (!styled) {
        parent.append(document.createTextNode(rest));
        return;
      }
      if (styled.start) parent.append(document.createTextNode(rest.slice(0, styled.start)));
      const node = document.createElement(styled.style.tag);
      if (styled.style.tag === "code") node.textContent = styled.inner;
      else appendStyled(node, styled.inner);
      parent.append(node);
      rest = rest.slice(styled.end);
    }
  }

  function render(text) {
    const fragment = document.createDocumentFragment();
    const source = String(text ?? "");
    let last = 0;
    for (const match of source.matchAll(LINK)) {
      appendStyled(fragment, source.slice(last, match.index));
      const url = match[0].startsWith("www.") ? `https://${match[0]}` : match[0];
      const link = document.createElement("a");
      link.href = url;
      link.textContent = match[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      fragment.append(link);
      last = match.index + match[0].length;
    }
    appendStyled(fragment, source.slice(last));
    return fragment;
  }

  window.WhatsAppFormat = { render };
})();
