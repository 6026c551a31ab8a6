// Drive mailx with jmap-jam. Run by tests/e2e/test_e2e_jmap_jam.py; prints one JSON object on stdout.
//
// Env: MAILX_SESSION_URL, MAILX_TOKEN, MAILX_ADDRESS (Bearer: the only auth jam offers), PHASE.
//   PHASE=before  -> {accountId, mailboxes, emailState, mailboxState}
//   PHASE=after   -> {steps: {name: {ok: value} | {error: ...}}}; needs EMAIL_STATE, MAILBOX_STATE,
//                    ATTACHMENT_B64 and SEARCH_WORD from the earlier phase and the test.
import JamClient from "jmap-jam";

const env = process.env;
const jam = new JamClient({ sessionUrl: env.MAILX_SESSION_URL, bearerToken: env.MAILX_TOKEN });
const accountId = await jam.getPrimaryAccount();

// jam throws the method's error object (or the problem JSON); keep it as data for the test to judge.
async function step(steps, name, body) {
  try {
    steps[name] = { ok: await body() };
  } catch (error) {
    steps[name] = { error: error instanceof Error ? { message: String(error), cause: error.cause } : error };
  }
}

async function before() {
  const [boxes] = await jam.api.Mailbox.get({ accountId, ids: null });
  const [emails] = await jam.api.Email.get({ accountId, ids: [] });
  const mailboxes = Object.fromEntries(boxes.list.filter((m) => m.role).map((m) => [m.role, m.id]));
  return { accountId, mailboxes, emailState: emails.state, mailboxState: boxes.state };
}

async function after() {
  const steps = {};
  const session = await jam.session;
  const [boxes] = await jam.api.Mailbox.get({ accountId, ids: null });
  const role = (name) => boxes.list.find((m) => m.role === name)?.id;
  const attachment = Buffer.from(env.ATTACHMENT_B64, "base64");

  await step(steps, "session", async () => ({ username: session.username, apiUrl: session.apiUrl }));
  await step(steps, "identities", async () => (await jam.api.Identity.get({ accountId, ids: null }))[0].list);
  await step(steps, "mailboxes", async () => Object.fromEntries(boxes.list.map((m) => [m.role, m.id])));
  await step(steps, "changes", async () => {
    const [result] = await jam.requestMany((t) => ({
      emails: t.Email.changes({ accountId, sinceState: env.EMAIL_STATE }),
      boxes: t.Mailbox.changes({ accountId, sinceState: env.MAILBOX_STATE }),
    }));
    return result;
  });
  // Every received email, with the list properties and text bodies, through a back-reference.
  await step(steps, "received", async () => {
    const [{ got }] = await jam.requestMany((t) => {
      const changes = t.Email.changes({ accountId, sinceState: env.EMAIL_STATE });
      const got = t.Email.get({
        accountId,
        ids: changes.$ref("/created"),
        properties: ["id", "threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt",
          "preview", "textBody", "bodyValues", "attachments"],
        fetchTextBodyValues: true,
      });
      return { changes, got };
    });
    return got.list;
  });
  const received = steps.received.ok ?? [];
  const bySubject = (part) => received.find((e) => e.subject.includes(part));
  await step(steps, "thread", async () => {
    const [result] = await jam.api.Thread.get({ accountId, ids: [bySubject("Lunch on Friday").threadId] });
    return result.list;
  });
  await step(steps, "inbox", async () => {
    const [{ found, got }] = await jam.requestMany((t) => {
      const found = t.Email.query({
        accountId,
        filter: { inMailbox: role("inbox") },
        sort: [{ property: "receivedAt", isAscending: false }],
        limit: 3,
      });
      const got = t.Email.get({ accountId, ids: found.$ref("/ids"), properties: ["receivedAt", "mailboxIds"] });
      return { found, got };
    });
    return { ids: found.ids, list: got.list };
  });
  await step(steps, "flag", async () => {
    const id = bySubject("Flag me").id;
    const [result] = await jam.api.Email.set({
      accountId,
      update: { [id]: { "keywords/$seen": true, "keywords/$flagged": true } },
    });
    const [got] = await jam.api.Email.get({ accountId, ids: [id], properties: ["keywords"] });
    return { set: result, keywords: got.list[0].keywords };
  });
  await step(steps, "move", async () => {
    const id = bySubject("Archive me").id;
    const [result] = await jam.api.Email.set({
      accountId,
      update: { [id]: { [`mailboxIds/${role("inbox")}`]: null, [`mailboxIds/${role("archive")}`]: true } },
    });
    const [got] = await jam.api.Email.get({ accountId, ids: [id], properties: ["mailboxIds"] });
    return { set: result, mailboxIds: got.list[0].mailboxIds };
  });
  await step(steps, "downloadReceived", async () => {
    const part = bySubject("The report").attachments[0];
    const response = await jam.downloadBlob({ accountId, blobId: part.blobId, mimeType: part.type, fileName: part.name });
    return Buffer.from(await response.arrayBuffer()).toString("base64");
  });
  await step(steps, "upload", async () => {
    const blob = await jam.uploadBlob(accountId, new Blob([attachment], { type: "application/pdf" }));
    const response = await jam.downloadBlob({ accountId, blobId: blob.blobId, mimeType: "application/pdf", fileName: "notes.pdf" });
    return { blob, downloaded: Buffer.from(await response.arrayBuffer()).toString("base64") };
  });
  await step(steps, "draft", async () => {
    const blobId = steps.upload.ok?.blob.blobId;
    const [result] = await jam.api.Email.set({
      accountId,
      create: {
        draft: {
          mailboxIds: { [role("drafts")]: true },
          keywords: { $draft: true, $seen: true },
          from: [{ email: env.MAILX_ADDRESS }],
          to: [{ email: "sam@localhost.test" }],
          subject: "Notes attached",
          textBody: [{ partId: "body", type: "text/plain" }],
          bodyValues: { body: { value: "See the notes." } },
          attachments: [{ blobId, type: "application/pdf", name: "notes.pdf" }],
        },
      },
    });
    return result;
  });
  // Send a draft to ourselves through EmailSubmission with onSuccessUpdateEmail (using lacks the mail
  // capability as jam builds it from the methods named), then wait for it in the Inbox.
  await step(steps, "submission", async () => {
    const [identities] = await jam.api.Identity.get({ accountId, ids: null });
    const [made] = await jam.api.Email.set({
      accountId,
      create: {
        out: {
          mailboxIds: { [role("drafts")]: true },
          keywords: { $draft: true },
          from: [{ email: env.MAILX_ADDRESS }],
          to: [{ email: env.MAILX_ADDRESS }],
          subject: "Jam sent this",
          textBody: [{ partId: "body", type: "text/plain" }],
          bodyValues: { body: { value: "Hello from jam." } },
        },
      },
    });
    const draftId = made.created.out.id;
    const [sent] = await jam.api.EmailSubmission.set({
      accountId,
      create: { send: { identityId: identities.list[0].id, emailId: draftId } },
      onSuccessUpdateEmail: {
        "#send": { [`mailboxIds/${role("drafts")}`]: null, [`mailboxIds/${role("sent")}`]: true, "keywords/$draft": null },
      },
    });
    const [draft] = await jam.api.Email.get({ accountId, ids: [draftId], properties: ["mailboxIds", "keywords"] });
    let arrived = [];
    for (let tries = 0; tries < 100 && arrived.length === 0; tries += 1) {
      const [found] = await jam.api.Email.query({ accountId, filter: { inMailbox: role("inbox"), subject: "Jam sent this" } });
      arrived = found.ids;
      if (arrived.length === 0) await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return { sent, draft: draft.list[0], arrived, sentBox: role("sent") };
  });
  await step(steps, "search", async () => {
    const filter = { text: env.SEARCH_WORD };
    const [{ found, snippets }] = await jam.requestMany((t) => {
      const found = t.Email.query({ accountId, filter });
      const snippets = t.SearchSnippet.get({ accountId, filter, emailIds: found.$ref("/ids") });
      return { found, snippets };
    });
    return { ids: found.ids, snippets: snippets.list };
  });
  // jam hands the event source to the global EventSource, which Node 20 lacks and which cannot send
  // an Authorization header anyway: report what happens rather than patch around it.
  await step(steps, "eventSource", async () => {
    const source = await jam.connectEventSource({ types: "*", ping: 0, closeafter: "state" });
    source.close();
    return true;
  });
  return { steps };
}

const phase = env.PHASE === "before" ? before : after;
process.stdout.write(JSON.stringify(await phase()) + "\n");
