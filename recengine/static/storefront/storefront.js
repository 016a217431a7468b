// recengine demo storefront: plain JavaScript over the public API, authenticated by the staff
// session cookie (plus the CSRF header DRF asks for on POST). Each box shows the request it made.
//
// Two views on one page, chosen by the query string: ?user=ID (recommendations) and
// ?user=ID&item=ID (an item with similar items). Links change it with history.pushState, so the
// page never reloads and the back button works.
"use strict";

(() => {
  const LIST_LIMIT = 10;
  const SIMILAR_LIMIT = 6;
  const POPULAR_LIMIT = 5;
  const LOG_LENGTH = 25;

  const $ = (id) => document.getElementById(id);
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const state = { userId: null, itemId: null, recommId: "", listCodes: [] };
  const itemNames = new Map(); // item code -> name, for reasons like "similar_to:DEMO-374"
  let ticket = 0; // answers to a view the user has already left are dropped

  // --- DOM --------------------------------------------------------------------------------------

  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key === "onclick") node.addEventListener("click", value);
      else node[key] = value;
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  function notice(text, isError = false) {
    const box = $("notice");
    box.textContent = text;
    box.classList.toggle("error", isError);
  }

  // --- API --------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, data) {
      super(`${status}: ${ApiError.describe(data)}`);
      this.status = status;
    }

    // DRF errors are {"detail": "..."} or {"field": ["message", ...], ...}.
    static describe(data) {
      if (!data || typeof data !== "object") return "no JSON answer";
      if (data.detail) return data.detail;
      return Object.entries(data).map(([field, messages]) => `${field}: ${[].concat(messages).join(" ")}`).join("; ");
    }
  }

  async function api(method, url, { body, shownIn } = {}) {
    const line = `${method} ${url}`;
    if (shownIn) $(shownIn).textContent = line;
    const options = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = csrfToken;
      options.body = JSON.stringify(body);
    }
    const started = performance.now();
    let response;
    try {
      response = await fetch(url, options);
    } catch (error) {
      logCall(line, "network error", started, body);
      throw error;
    }
    const data = await response.json().catch(() => null);
    logCall(line, response.status, started, body);
    if (shownIn) $(shownIn).textContent = `${line} → ${response.status}`;
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function logCall(line, status, started, body) {
    const took = `${Math.round(performance.now() - started)} ms`;
    const ok = typeof status === "number" && status < 400;
    const entry = el("li", { class: ok ? "ok" : "failed" },
      el("code", {}, line), " ", el("span", { class: "status" }, `${status} · ${took}`),
      body === undefined ? null : el("pre", {}, JSON.stringify(body, null, 1)));
    const log = $("api-log");
    log.prepend(entry);
    while (log.children.length > LOG_LENGTH) log.lastChild.remove();
  }

  // Ids beyond 2^53 stay strings in JSON bodies rather than losing digits.
  const asId = (value) => (Number.isSafeInteger(Number(value)) ? Number(value) : String(value));

  // --- Views ------------------------------------------------------------------------------------

  function urlFor(userId, itemId) {
    const params = new URLSearchParams();
    if (userId) params.set("user", userId);
    if (itemId) params.set("item", itemId);
    const query = params.toString();
    return location.pathname + (query ? `?${query}` : "");
  }

  function go(userId, itemId, recommId = "") {
    history.pushState({ recommId }, "", urlFor(userId, itemId));
    notice("");
    render();
  }

  function render() {
    const params = new URLSearchParams(location.search);
    const digits = (value) => (/^\d+$/.test(value || "") ? value : null);
    state.userId = digits(params.get("user"));
    state.itemId = digits(params.get("item"));
    const select = $("user-select");
    select.value = [...select.options].some((option) => option.value === state.userId) ? state.userId : "";
    $("user-id").value = state.userId || "";
    $("user-view").hidden = Boolean(state.itemId);
    $("item-view").hidden = !state.itemId;
    ticket += 1;
    if (state.itemId) showItem(ticket, (history.state && history.state.recommId) || "");
    else showRecommendations(ticket);
  }

  function itemRow(entry, { recommId = "", actions = true } = {}) {
    const link = el("a", {
      class: "item-link",
      title: entry.name, // the whole name, where the row cuts it
      href: urlFor(state.userId, entry.item_id),
      onclick: (event) => { event.preventDefault(); go(state.userId, entry.item_id, recommId); },
    }, entry.name);
    const kind = entry.reason.split(":")[0];
    return el("li", { class: "rec-row", dataset: { itemId: entry.item_id, itemCode: entry.item_code } },
      el("span", { class: "name" }, link, el("span", { class: "code" }, entry.item_code)),
      el("span", { class: "category" }, entry.category),
      el("span", { class: `reason reason-${kind}`, title: `reason in the API: ${entry.reason}` }, reasonLabel(entry.reason)),
      el("span", { class: "score", title: "score" }, entry.score.toFixed(3)),
      actions ? interactionButtons(entry, recommId) : null);
  }

  // --- Reasons --------------------------------------------------------------------------------
  // The API answers "similar_to:<item_code>"; a person reads "similar to Camping stove (DEMO-374)".

  const SIMILAR_TO = "similar_to:";

  function reasonLabel(reason) {
    if (!reason.startsWith(SIMILAR_TO)) return reason;
    const code = reason.slice(SIMILAR_TO.length);
    return itemNames.has(code) ? `similar to ${itemNames.get(code)} (${code})` : `similar to ${code}`;
  }

  // One request for the names of every code the rows' reasons name that the page does not know yet.
  // Without them (the request failed) the reasons show the codes alone.
  async function learnReasonNames(rows) {
    const codes = [...new Set(rows.filter((entry) => entry.reason.startsWith(SIMILAR_TO))
      .map((entry) => entry.reason.slice(SIMILAR_TO.length)))].filter((code) => !itemNames.has(code));
    if (!codes.length) return;
    const query = codes.map((code) => `code=${encodeURIComponent(code)}`).join("&");
    try {
      const data = await api("GET", `/storefront/item-names?${query}`);
      for (const [code, name] of Object.entries(data.names)) itemNames.set(code, name);
    } catch (error) {
      // logged in "API calls from this page"; the codes are still shown
    }
  }

  function interactionButtons(entry, recommId) {
    const button = (type, label) => el("button", {
      type: "button", class: type, disabled: !state.userId,
      title: state.userId ? `POST /interactions: a ${type} by user #${state.userId}` : "choose a user first",
      onclick: () => record(type, entry, recommId),
    }, label);
    return el("span", { class: "actions" }, button("click", "Click"), button("purchase", "Buy"));
  }

  async function showRecommendations(myTicket, previousCodes = null) {
    const list = $("recs");
    $("user-label").textContent = state.userId ? `for user #${state.userId}` : "";
    if (!state.userId) {
      list.replaceChildren();
      $("recs-request").textContent = "";
      $("recs-meta").textContent = "Choose a user above to see their list.";
      return;
    }
    let data;
    try {
      data = await api("GET", `/recommendations/${state.userId}?limit=${LIST_LIMIT}`, { shownIn: "recs-request" });
    } catch (error) {
      if (myTicket === ticket) notice(error.message, true);
      return;
    }
    await learnReasonNames(data.recommendations);
    if (myTicket !== ticket) return;
    state.recommId = data.recomm_id;
    state.listCodes = data.recommendations.map((entry) => entry.item_code);
    $("recs-meta").replaceChildren(
      el("span", {}, data.model_version === null ? "popularity only (no model)" : `model v${data.model_version}`),
      el("span", { class: data.cached ? "cached" : "fresh" }, data.cached ? "cached: true" : "cached: false"),
      el("span", { title: "send it back with the interactions this list leads to" }, `recomm_id: ${data.recomm_id}`),
      el("span", {}, new Date(data.timestamp).toLocaleTimeString()));
    const rows = data.recommendations.map((entry) => {
      const row = itemRow(entry, { recommId: data.recomm_id });
      if (previousCodes && !previousCodes.includes(entry.item_code)) row.classList.add("arrived");
      return row;
    });
    list.replaceChildren(...rows);
    if (!rows.length) list.append(el("li", { class: "empty" }, "Nothing to recommend."));
  }

  async function record(type, entry, recommId) {
    if (!state.userId) return;
    const body = { user_id: asId(state.userId), item_id: entry.item_id, interaction_type: type };
    if (recommId) body.recomm_id = recommId;
    try {
      await api("POST", "/interactions", { body });
    } catch (error) {
      notice(error.message, true);
      return;
    }
    const what = type === "purchase" ? "a purchase" : `a ${type}`;
    if (state.itemId) {
      notice(`Recorded ${what} of ${entry.item_code} by user #${state.userId}. Back to the list to see it change.`);
      return;
    }
    notice(`Recorded ${what} of ${entry.item_code}; the list was fetched again (new rows are marked).`);
    ticket += 1;
    await showRecommendations(ticket, state.listCodes);
  }

  async function showItem(myTicket, recommId) {
    const id = state.itemId;
    $("back-to-user").textContent = state.userId ? `← back to user #${state.userId}` : "← back";
    $("item-title").textContent = `Item #${id}`;
    $("item-details").replaceChildren();
    $("item-actions").replaceChildren();
    $("similar").replaceChildren();
    let item;
    try {
      item = await api("GET", `/items/${id}`, { shownIn: "item-request" });
    } catch (error) {
      if (myTicket === ticket) $("item-title").textContent = `Item #${id}: ${error.message}`;
      return;
    }
    if (myTicket !== ticket) return;
    $("item-title").textContent = item.name;
    // [label, the API's field name (shown on hover), value]
    const fields = [["Code", "item_code", item.item_code], ["Category", "category", item.category || "—"],
      ["Tags", "tags", item.tags.join(", ") || "—"], ["Price", "price", item.price ?? "—"],
      ["Popularity", "popularity_score", item.popularity_score.toFixed(3)],
      ["Active", "is_active", item.is_active ? "yes" : "no (never recommended)"]];
    $("item-details").replaceChildren(...fields.flatMap(([label, field, value]) => [
      el("dt", { title: `${field} in GET /items/${id}` }, label), el("dd", {}, value)]));
    const entry = { item_id: item.id, item_code: item.item_code };
    $("item-actions").replaceChildren(state.userId
      ? el("span", {}, `As user #${state.userId}${recommId ? " (from their list)" : ""}: `, interactionButtons(entry, recommId))
      : el("span", {}, "Choose a user above to record a click or a purchase."));
    await showSimilar(myTicket, id);
  }

  async function showSimilar(myTicket, id) {
    let data;
    try {
      data = await api("GET", `/items/${id}/similar?limit=${SIMILAR_LIMIT}`, { shownIn: "similar-request" });
    } catch (error) {
      if (myTicket === ticket) $("similar-meta").textContent = error.message;
      return;
    }
    if (myTicket !== ticket) return;
    $("similar-meta").textContent = data.model_version === null ? "no model consulted" : `model v${data.model_version}`;
    $("similar").replaceChildren(...data.similar.map((entry) => itemRow(entry, { actions: false })));
    if (!data.similar.length) $("similar").append(el("li", { class: "empty" }, "No similar items."));
  }

  async function showPopular() {
    try {
      const data = await api("GET", `/items/popular?limit=${POPULAR_LIMIT}`, { shownIn: "popular-request" });
      $("popular").replaceChildren(...data.items.map((entry) => itemRow(entry, { actions: false })));
    } catch (error) {
      $("popular").replaceChildren(el("li", { class: "empty" }, error.message));
    }
  }

  // --- Picking a user ---------------------------------------------------------------------------

  let searchTimer;

  function suggestUsers() {
    const text = $("user-id").value.trim();
    clearTimeout(searchTimer);
    if (text.length < 2 || /^\d+$/.test(text)) return;
    searchTimer = setTimeout(async () => {
      try {
        const page = await api("GET", `/users?search=${encodeURIComponent(text)}`, { shownIn: "search-request" });
        $("user-matches").replaceChildren(...page.results.map((user) => el("option", { value: String(user.id) }, user.username)));
      } catch (error) {
        notice(error.message, true);
      }
    }, 250);
  }

  function pickTypedUser(event) {
    event.preventDefault();
    const text = $("user-id").value.trim();
    if (/^\d+$/.test(text)) go(text, null);
    else notice("Type a user id, or pick a name from the suggestions (it fills in the id).", true);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("user-select").addEventListener("change", (event) => { if (event.target.value) go(event.target.value, null); });
    $("user-id").addEventListener("input", suggestUsers);
    $("user-picker").addEventListener("submit", pickTypedUser);
    $("back-to-user").addEventListener("click", (event) => { event.preventDefault(); go(state.userId, null); });
    window.addEventListener("popstate", render);
    render();
    showPopular();
  });
})();
