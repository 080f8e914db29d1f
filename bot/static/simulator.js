// The LINE-like chat: sends simulated events to the bot and renders the LINE message objects
// it returns. Message text only ever goes into textContent and text nodes, never parsed as HTML.
"use strict";

(function () {
  const API = document.currentScript.dataset.api;
  const USER_KEY = "faqbot.simulator.userId";
  const chat = document.getElementById("chat");
  const quickReply = document.getElementById("quick-reply");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");

  // LINE's Flex sizes and spacings, in CSS pixels.
  const FONT_SIZES = { xxs: 11, xs: 13, sm: 14, md: 16, lg: 19, xl: 22, xxl: 29, "3xl": 35, "4xl": 48, "5xl": 74 };
  const SPACING = { none: 0, xs: 2, sm: 4, md: 8, lg: 12, xl: 16, xxl: 20 };
  const COLOR = /^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$/;
  const SAFE_URI = /^(https?:|tel:|mailto:)/i;

  class Unsupported extends Error {}

  // ---- the simulated user -------------------------------------------------------------------

  let memoryUserId = null;

  function newUserId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return "U" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function userId(renew) {
    try {
      let id = localStorage.getItem(USER_KEY);
      if (!id || renew) {
        id = newUserId();
        localStorage.setItem(USER_KEY, id);
      }
      return id;
    } catch (e) {
      // localStorage can be off (private windows); the id then lasts as long as the page.
      if (!memoryUserId || renew) memoryUserId = newUserId();
      return memoryUserId;
    }
  }

  function showUserId(id) {
    document.getElementById("user-id").textContent = id;
  }

  // ---- small DOM helpers --------------------------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clock() {
    const now = new Date();
    return String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  function scrollDown() {
    chat.scrollTop = chat.scrollHeight;
  }

  // Text with its URLs as links, as the LINE app shows them.
  function linkified(text) {
    const fragment = document.createDocumentFragment();
    const url = /https?:\/\/[\x21-\x7e]+/g;
    let last = 0;
    let match;
    while ((match = url.exec(text)) !== null) {
      const href = match[0].replace(/[.,!?)\]]+$/, "");
      fragment.append(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", null, href);
      link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      fragment.append(link);
      last = match.index + href.length;
      url.lastIndex = last;
    }
    fragment.append(document.createTextNode(text.slice(last)));
    return fragment;
  }

  // ---- actions: buttons, template actions and quick-reply chips -----------------------------

  function actionElement(action, className) {
    const label = action.label || action.displayText || action.text || action.type;
    if (action.type === "uri") {
      if (!SAFE_URI.test(action.uri || "")) {
        return disabled(label, className, "このリンクは開けません");
      }
      const link = el("a", className, label);
      link.href = action.uri;
      if (!/^tel:/i.test(action.uri)) {
        link.target = "_blank";
        link.rel = "noopener noreferrer";
      }
      return link;
    }
    if (action.type === "postback") {
      const button = el("button", className, label);
      button.type = "button";
      button.addEventListener("click", () =>
        send({ type: "postback", data: action.data, displayText: action.displayText }, action.displayText)
      );
      return button;
    }
    if (action.type === "message") {
      const button = el("button", className, label);
      button.type = "button";
      button.addEventListener("click", () => send({ type: "text", text: action.text }, action.text));
      return button;
    }
    return disabled(label, className, "シミュレーターでは使えない操作です(" + action.type + ")");
  }

  function disabled(label, className, why) {
    const button = el("button", className, label);
    button.type = "button";
    button.disabled = true;
    button.title = why;
    return button;
  }

  function showQuickReply(message) {
    quickReply.replaceChildren();
    const items = (message && message.quickReply && message.quickReply.items) || [];
    for (const item of items) {
      if (item && item.action) quickReply.append(actionElement(item.action, "chip"));
    }
    quickReply.hidden = quickReply.childElementCount === 0;
  }

  function hideQuickReply() {
    quickReply.replaceChildren();
    quickReply.hidden = true;
  }

  // ---- Flex messages ------------------------------------------------------------------------

  function applyMargin(node, component, parentLayout) {
    const margin = SPACING[component.margin];
    if (margin === undefined) return;
    node.style[parentLayout === "vertical" ? "marginTop" : "marginLeft"] = margin + "px";
  }

  function applyColor(node, property, color) {
    if (typeof color === "string" && COLOR.test(color)) node.style[property] = color;
  }

  function textStyle(node, component) {
    if (FONT_SIZES[component.size]) node.style.fontSize = FONT_SIZES[component.size] + "px";
    if (component.weight === "bold") node.style.fontWeight = "700";
    if (component.style === "italic") node.style.fontStyle = "italic";
    if (component.decoration === "underline") node.style.textDecoration = "underline";
    if (component.decoration === "line-through") node.style.textDecoration = "line-through";
    applyColor(node, "color", component.color);
  }

  function flexComponent(component, parentLayout) {
    let node;
    switch (component.type) {
      case "box": {
        const layout = component.layout || "vertical";
        node = el("div", "fx-box fx-" + layout);
        const gap = SPACING[component.spacing];
        if (gap) node.style.gap = gap + "px";
        applyColor(node, "backgroundColor", component.backgroundColor);
        for (const key of ["paddingAll", "paddingTop", "paddingBottom", "paddingStart", "paddingEnd"]) {
          const value = SPACING[component[key]];
          if (value === undefined) continue;
          const css = { paddingAll: "padding", paddingTop: "paddingTop", paddingBottom: "paddingBottom",
            paddingStart: "paddingLeft", paddingEnd: "paddingRight" }[key];
          node.style[css] = value + "px";
        }
        for (const child of component.contents || []) node.append(flexComponent(child, layout));
        break;
      }
      case "text": {
        node = el("p", "fx-text" + (component.wrap ? " fx-wrap" : ""));
        if (Array.isArray(component.contents) && component.contents.length) {
          for (const span of component.contents) {
            if (span.type !== "span") throw new Unsupported("text." + span.type);
            const part = el("span", null, span.text);
            textStyle(part, span);
            node.append(part);
          }
        } else {
          node.textContent = component.text || "";
        }
        textStyle(node, component);
        if (["start", "center", "end"].includes(component.align)) {
          node.style.textAlign = { start: "left", center: "center", end: "right" }[component.align];
        }
        break;
      }
      case "separator":
        node = el("div", "fx-separator");
        node.setAttribute("role", "separator");
        applyColor(node, "backgroundColor", component.color);
        break;
      case "button": {
        const style = component.style || "link";
        node = actionElement(component.action || {}, "fx-button fx-button-" + style +
          (component.height === "sm" ? " fx-button-sm" : ""));
        applyColor(node, style === "link" ? "color" : "backgroundColor", component.color);
        break;
      }
      case "image": {
        node = el("img", "fx-image");
        if (/^https:/i.test(component.url || "")) node.src = component.url;
        node.alt = "";
        break;
      }
      case "spacer":
        node = el("div", "fx-spacer");
        node.style.height = (SPACING[component.size] || SPACING.md) + "px";
        break;
      case "filler":
        node = el("div", "fx-filler");
        break;
      default:
        throw new Unsupported("flex component " + component.type);
    }
    if (component.flex !== undefined && parentLayout !== "vertical") node.style.flex = String(component.flex);
    applyMargin(node, component, parentLayout);
    return node;
  }

  function flexBubble(bubble) {
    if (!bubble || bubble.type !== "bubble") throw new Unsupported("flex container");
    const node = el("div", "fx-bubble fx-size-" + (bubble.size || "mega"));
    for (const section of ["header", "hero", "body", "footer"]) {
      if (!bubble[section]) continue;
      const part = el("div", "fx-section fx-" + section);
      part.append(flexComponent(bubble[section], "vertical"));
      const styles = bubble.styles && bubble.styles[section];
      if (styles) {
        applyColor(part, "backgroundColor", styles.backgroundColor);
        if (styles.separator) part.classList.add("fx-section-separator");
      }
      node.append(part);
    }
    return node;
  }

  function flexMessage(message) {
    const contents = message.contents || {};
    if (contents.type === "carousel") {
      const node = el("div", "fx-carousel");
      for (const bubble of contents.contents || []) node.append(flexBubble(bubble));
      return node;
    }
    return flexBubble(contents);
  }

  // ---- template messages --------------------------------------------------------------------

  function templateMessage(message) {
    const template = message.template || {};
    if (template.type !== "buttons" && template.type !== "confirm") throw new Unsupported("template " + template.type);
    const node = el("div", "template template-" + template.type);
    const body = el("div", "template-body");
    if (template.title) body.append(el("p", "template-title", template.title));
    body.append(el("p", "template-text", template.text));
    node.append(body);
    const actions = el("div", "template-actions");
    for (const action of template.actions || []) actions.append(actionElement(action, "template-action"));
    node.append(actions);
    return node;
  }

  // ---- one message --------------------------------------------------------------------------

  function altText(message) {
    const node = el("div", "bubble bubble-bot alt");
    node.append(el("span", "alt-note", "代替テキスト(シミュレーターで表示できない形式)"));
    node.append(el("span", null, message.altText || "[" + message.type + "]"));
    return node;
  }

  function messageElement(message) {
    try {
      if (message.type === "text") {
        const node = el("div", "bubble bubble-bot");
        node.append(linkified(message.text || ""));
        return node;
      }
      if (message.type === "flex") return flexMessage(message);
      if (message.type === "template") return templateMessage(message);
      throw new Unsupported(message.type);
    } catch (error) {
      if (error instanceof Unsupported) return altText(message);
      throw error;
    }
  }

  // ---- the conversation ---------------------------------------------------------------------

  function addUserBubble(text, className) {
    const row = el("div", "row row-user");
    row.append(el("span", "time", clock()));
    row.append(el("div", "bubble bubble-user" + (className ? " " + className : ""), text));
    chat.append(row);
    scrollDown();
  }

  function addNotice(text, className) {
    chat.append(el("p", "notice" + (className ? " " + className : ""), text));
    scrollDown();
  }

  function whyLine(why) {
    const parts = ["判定 " + why.kind];
    if (why.entry_id) parts.push("項目 " + why.entry_id);
    else if (why.candidates && why.candidates.length) parts.push("1位 " + why.candidates[0].id);
    if (typeof why.score === "number") parts.push("スコア " + why.score.toFixed(1));
    if (why.runner_up) parts.push("次点 " + why.runner_up.id + " " + why.runner_up.score.toFixed(1));
    else if (typeof why.score === "number") parts.push("次点 なし");
    const line = el("p", "why", parts.join(" ・ "));
    if (why.candidates && why.candidates.length) {
      line.title = "候補: " + why.candidates.map((c) => c.id + " " + c.score.toFixed(1)).join(", ");
    }
    return line;
  }

  function addReply(data) {
    const row = el("div", "row row-bot");
    row.append(el("div", "avatar", "院"));
    const stack = el("div", "stack");
    for (const message of data.messages) {
      const line = el("div", "message");
      line.append(messageElement(message));
      line.append(el("span", "time", clock()));
      stack.append(line);
    }
    if (!data.messages.length) stack.append(el("p", "notice", "(ボットは返信しません)"));
    stack.append(whyLine(data.why));
    row.append(stack);
    chat.append(row);
    showQuickReply(data.messages[data.messages.length - 1]);
    scrollDown();
  }

  let queue = Promise.resolve();

  // Events go one at a time, so replies appear in the order they were asked.
  function send(event, userText, userClass) {
    hideQuickReply();
    if (userText) addUserBubble(userText, userClass);
    queue = queue.then(() => post(event));
    return queue;
  }

  async function post(event) {
    const typing = el("p", "typing", "返信を作成中…");
    chat.append(typing);
    scrollDown();
    try {
      const response = await fetch(API, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(Object.assign({}, event, { userId: userId(false) })),
      });
      const data = await response.json().catch(() => null);
      typing.remove();
      if (!response.ok || !data || !Array.isArray(data.messages)) {
        addNotice("エラー: " + ((data && data.error) || "HTTP " + response.status), "error");
        return;
      }
      addReply(data);
    } catch (error) {
      typing.remove();
      addNotice("エラー: サーバーに接続できません", "error");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value;
    if (!text.trim()) return;
    input.value = "";
    send({ type: "text", text: text }, text);
  });

  document.getElementById("follow").addEventListener("click", () => {
    hideQuickReply();
    addNotice("友だち追加しました");
    send({ type: "follow" });
  });

  document.getElementById("sticker").addEventListener("click", () => {
    send({ type: "sticker" }, "(スタンプ)", "sticker");
  });

  document.getElementById("reset").addEventListener("click", () => {
    showUserId(userId(true));
    hideQuickReply();
    chat.replaceChildren();
    addNotice("新しい利用者としてトークを始めます。");
    input.focus();
  });

  document.getElementById("show-why").addEventListener("change", (event) => {
    document.body.classList.toggle("hide-why", !event.target.checked);
  });

  showUserId(userId(false));
  input.focus();
})();
