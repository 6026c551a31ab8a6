// The page's JMAP client. Configuration comes from the query string: session, user, pass.
"use strict";

const MAIL = "urn:ietf:params:jmap:mail";
const params = new URLSearchParams(location.search);
const authorization = "Basic " + btoa(params.get("user") + ":" + params.get("pass"));
const show = (id, text) => { document.getElementById(id).textContent = String(text); };
const fail = (what) => { document.getElementById("errors").textContent += what + "; "; };

// RFC 6570 level 1, as RFC 8620 asks of the session's URL templates.
function expand(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(values[name]));
}

async function api(session, calls) {
  const response = await fetch(session.apiUrl, {
    method: "POST",
    headers: { "Authorization": authorization, "Content-Type": "application/json" },
    body: JSON.stringify({ using: ["urn:ietf:params:jmap:core", MAIL], methodCalls: calls }),
  });
  if (!response.ok) throw new Error("API answered " + response.status);
  return (await response.json()).methodResponses;
}

function findImage(part) {
  if (!part) return null;
  if (part.type && part.type.startsWith("image/") && part.blobId) return part;
  for (const sub of part.subParts || []) {
    const found = findImage(sub);
    if (found) return found;
  }
  return null;
}

async function showNewest(session, accountId) {
  const responses = await api(session, [
    ["Email/query", { accountId, sort: [{ property: "receivedAt", isAscending: false }], limit: 1 }, "q"],
    ["Email/get", { accountId, "#ids": { resultOf: "q", name: "Email/query", path: "/ids" },
                    properties: ["subject", "bodyStructure"] }, "g"],
  ]);
  const email = responses[1][1].list[0];
  if (!email) return;
  show("inbox", email.subject);
  const part = findImage(email.bodyStructure);
  if (!part) return;
  const img = document.createElement("img");
  img.id = "inline";
  img.alt = part.name || "inline image";
  img.onload = () => show("image", "loaded " + img.naturalWidth + "x" + img.naturalHeight);
  img.onerror = () => show("image", "error");
  img.src = expand(session.downloadUrl, { accountId, blobId: part.blobId, type: part.type, name: part.name || "image" });
  document.body.appendChild(img);
}

async function main() {
  const response = await fetch(params.get("session"), { headers: { "Authorization": authorization } });
  if (!response.ok) { show("session", "HTTP " + response.status); return; }
  const session = await response.json();
  const accountId = session.primaryAccounts[MAIL];
  show("session", "signed in as " + session.username);
  let count = 0;
  const source = new EventSource(expand(session.eventSourceUrl, { types: "*", closeafter: "no", ping: 0 }));
  source.onopen = () => show("eventsource", "open");
  source.onerror = () => show("eventsource", source.readyState === EventSource.CLOSED ? "failed" : "reconnecting");
  source.addEventListener("state", (event) => {
    count += 1;
    show("events", count);
    show("changed", event.data);
    showNewest(session, accountId).catch((error) => fail(error.message));
  });
}

main().catch((error) => fail(error.message));
