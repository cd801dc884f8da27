import { css, html, nothing } from "lit";
import { repeat } from "lit/directives/repeat.js";
import type { components } from "../../core/api-types";
import { api, ApiError, type ApiDetail } from "../../core/api";
import { formatDecimal, t } from "../../core/i18n";
import type { MessageKey } from "../../core/messages";
import { sentence } from "../../core/problems";
import { AdminSection, formValues } from "./section";

type PhraseListOut = components["schemas"]["PhraseListOut"];
type PhraseListIn = components["schemas"]["PhraseListIn"];
type Kind = PhraseListOut["kind"];
type Role = PhraseListOut["role"];

const KINDS: readonly Kind[] = ["required", "banned", "signal"];
const ROLES: readonly Role[] = ["agent", "customer", "any"];

const kindLabel = (kind: Kind) => t(`phraseLists.kind.${kind}` as MessageKey);
const roleLabel = (role: Role) => t(`phraseLists.role.${role}` as MessageKey);

/** An empty seconds field: no limit for a required list; no such thing for the others. */
function withinPlaceholder(kind: Kind): string {
  return kind === "required" ? t("phraseLists.wholeCallShort") : t("admin.none");
}

function withinText(list: PhraseListOut): string {
  if (list.kind !== "required") return t("admin.none");
  return list.within_s === null
    ? t("phraseLists.wholeCall")
    : t("phraseLists.withinFirst", { seconds: formatDecimal(list.within_s, 0) });
}

/** The form's list as the API wants it, and for each phrase sent the line of the textarea it
 * came from (blank lines are dropped, so a refusal of phrase 3 may be about line 5). */
function listFields(data: FormData): { body: PhraseListIn; lines: number[] } {
  const kind = String(data.get("kind") ?? "required") as Kind;
  const within = String(data.get("within_s") ?? "").trim();
  const phrases: string[] = [];
  const lines: number[] = [];
  String(data.get("phrases") ?? "").split(/\r?\n/).forEach((line, index) => {
    if (line.trim()) {
      phrases.push(line.trim());
      lines.push(index + 1);
    }
  });
  return {
    body: {
      name: String(data.get("name") ?? "").trim(),
      kind,
      role: String(data.get("role") ?? "agent") as Role,
      phrases,
      within_s: kind === "required" && within !== "" ? Number(within) : null,
    },
    lines,
  };
}

/** The API's reasons about the phrases, said by line and in the page's language where they are
 * the usual ones (no phrase at all, too many, a phrase twice, a misplaced `*`). */
const PHRASE_REASONS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^List should have at least 1 item/, () => t("phraseLists.needOne")],
  [/^List should have at most (\d+) items/, (m) => t("phraseLists.tooMany", { count: m[1] })],
  [/^Value error, (['"])(.*)\1 matches what (['"])(.*)\3 matches already$/,
    (m) => t("phraseLists.same", { phrase: m[2], other: m[4] })],
  [/^Value error, (['"])(.*)\1: `\*` may only end a phrase/, (m) => t("phraseLists.starAtEnd", { phrase: m[2] })],
  [/^Value error, (['"])(.*)\1: `\*` must follow the word/, (m) => t("phraseLists.starNoSpace", { phrase: m[2] })],
  [/^Value error, (['"])(.*)\1 has no letters or digits/, (m) => t("phraseLists.nothingToMatch", { phrase: m[2] })],
];

function phraseReason(reason: string): string {
  for (const [pattern, say] of PHRASE_REASONS) {
    const match = pattern.exec(reason);
    if (match) return say(match);
  }
  return sentence(reason);
}

/** A refusal whose reasons about single phrases (`body.phrases.3`) name the textarea's line,
 * all of them in one sentence by the phrases field; a name of the wrong letters says which. */
function byLine(error: unknown, lines: number[]): unknown {
  if (!(error instanceof ApiError)) return error;
  const said: string[] = [];
  const others: ApiDetail[] = [];
  for (const detail of error.details) {
    if (detail.field === "body.name" && /^String should match pattern/.test(detail.reason ?? "")) {
      others.push({ ...detail, reason: t("phraseLists.nameHint") });
      continue;
    }
    const match = /^body\.phrases(?:\.(\d+))?$/.exec(detail.field ?? "");
    if (!match) {
      others.push(detail);
      continue;
    }
    const text = phraseReason(detail.reason ?? "");
    said.push(match[1] === undefined ? text : t("problem.line", { line: lines[Number(match[1])] ?? Number(match[1]) + 1, text }));
  }
  const details = said.length
    ? [...others, { field: "body.phrases", reason: [...new Set(said)].join(" ") }]
    : others;
  return new ApiError(error.status, error.code, error.message, error.summary, details);
}

/** Phrase lists (`/v1/phrase-lists`, docs/phrases.md): the scripts phrase spotting checks —
 * required phrases (optionally within the first N seconds of a call), banned ones, and signals
 * to count — with whose words are searched. Admins create, change and delete them; supervisors
 * and team leads read them. */
export class FwAdminPhrases extends AdminSection {
  static override properties = { ...AdminSection.properties, lists: { state: true } };
  static override styles = [
    ...AdminSection.styles,
    css`
      /* the list's settings two by two on the left, its phrases beside them, the buttons last */
      form.list {
        display: grid;
        grid-template-columns: minmax(20rem, 32rem) minmax(16rem, 1fr) auto;
        align-items: start;
      }
      .meta { display: grid; grid-template-columns: 1fr 1fr; gap: 0.7rem 1rem; }
      .meta input, .meta select { width: 100%; min-width: 0; }
      textarea { width: 100%; min-height: 7.4rem; resize: vertical; line-height: 1.35; }
      form.list .actions { align-self: end; }
      @media (max-width: 60rem) {
        form.list { grid-template-columns: 1fr; }
      }
      .hint { margin: 0 0 0.8rem; max-width: 60rem; line-height: 1.45; }
      .hint:last-child { margin-bottom: 0; }
      input:disabled { opacity: 0.5; }
      .hint code, td code { font-size: 0.85em; background: var(--bg-2); border-radius: 0.25rem; padding: 0 0.25rem; }
      .summary { margin: -0.3rem 0 0.7rem; }
      h2 .name { color: var(--text); }
      .kind-banned { color: #fdba74; }
      td.phrases { white-space: normal; min-width: 16rem; }
      td.phrases .sep { color: var(--faint); }
      .actions { display: flex; gap: 0.6rem; }
    `,
  ];
  declare lists: PhraseListOut[];

  constructor() {
    super();
    this.lists = [];
  }

  protected async reload(): Promise<void> {
    this.lists = await api<PhraseListOut[]>("GET", "/v1/phrase-lists");
  }

  /** Sends the form's list; a refusal names the textarea's lines. */
  private send(method: "POST" | "PATCH", path: string, event: Event): Promise<boolean> {
    const { body, lines } = listFields(formValues(event));
    return this.run(async () => {
      try {
        return await api(method, path, body);
      } catch (error) {
        throw byLine(error, lines);
      }
    });
  }

  private async create(event: Event): Promise<void> {
    const form = event.target as HTMLFormElement;
    if (await this.send("POST", "/v1/phrase-lists", event)) {
      form.reset();
      toggleWithin(form); // back to a required list
    }
  }

  private async saveList(list: PhraseListOut, event: Event): Promise<void> {
    await this.send("PATCH", `/v1/phrase-lists/${list.id}`, event);
  }

  private async deleteItem(list: PhraseListOut): Promise<void> {
    if (confirm(t("admin.confirmDelete", { name: list.name }))) {
      await this.run(() => api("DELETE", `/v1/phrase-lists/${list.id}`));
    }
  }

  private fields(list: PhraseListOut | null) {
    const kind = list?.kind ?? "required";
    return html`<div class="meta">
      <label>${t("admin.name")}<input name="name" required maxlength="40"
        title=${t("phraseLists.nameHint")} .value=${list?.name ?? ""} /></label>
      <label>${t("phraseLists.kind")}<select name="kind" @change=${(e: Event) => toggleWithin((e.target as HTMLSelectElement).form)}>
        ${KINDS.map((k) => html`<option value=${k} ?selected=${k === kind}>${kindLabel(k)}</option>`)}
      </select></label>
      <label>${t("phraseLists.role")}<select name="role">
        ${ROLES.map((r) => html`<option value=${r} ?selected=${r === (list?.role ?? "agent")}>${roleLabel(r)}</option>`)}
      </select></label>
      <label>${t("phraseLists.within")}<input name="within_s" type="number" step="1"
        placeholder=${withinPlaceholder(kind)} ?disabled=${kind !== "required"}
        .value=${list?.within_s === null || list?.within_s === undefined ? "" : String(list.within_s)} /></label>
      </div>
      <label class="phrases">${t("phraseLists.phrases")}<textarea name="phrases" rows="5" required
        spellcheck="false" .value=${(list?.phrases ?? []).join("\n")}></textarea></label>`;
  }

  private summary(list: PhraseListOut) {
    const parts = [
      kindLabel(list.kind),
      roleLabel(list.role),
      ...(list.kind === "required" ? [withinText(list)] : []),
      t("phraseLists.count", { count: list.phrases.length }),
    ];
    return html`<p class="muted summary" data-testid="summary">${parts.join(" · ")}</p>`;
  }

  private hint() {
    return html`<p class="muted hint" data-testid="phrase-hint">${t("phraseLists.hint")}
      <code>rezygn*</code> ${t("phraseLists.hintStar")}</p>`;
  }

  override render() {
    if (!this.canEdit) {
      return html`<section><h2>${t("phraseLists.title")}</h2>${this.hint()}</section>
        ${this.status()}
        <section class="scroll"><table data-testid="phrase-lists">
          <thead><tr><th>${t("admin.name")}</th><th>${t("phraseLists.kind")}</th><th>${t("phraseLists.role")}</th>
            <th>${t("phraseLists.withinColumn")}</th><th>${t("phraseLists.phrasesColumn")}</th></tr></thead>
          <tbody>${this.lists.map((list) => html`<tr data-list=${list.name}>
            <td>${list.name}</td><td class=${`kind-${list.kind}`}>${kindLabel(list.kind)}</td><td>${roleLabel(list.role)}</td>
            <td>${withinText(list)}</td>
            <td class="phrases">${list.phrases.map((p, i) => html`${i ? html`<span class="sep"> · </span>` : nothing}<span>${p}</span>`)}</td></tr>`)}</tbody>
        </table>
        ${this.lists.length ? nothing : html`<p class="muted" data-testid="no-lists">${t("phraseLists.none")}</p>`}
        </section>`;
    }
    return html`
      <section><h2>${t("phraseLists.new")}</h2>
        ${this.hint()}
        <form class="list" data-form="new-phrase-list" @submit=${this.create}>${this.fields(null)}
          <div class="actions"><button class="primary" type="submit">${t("admin.create")}</button></div></form>
      </section>
      ${this.status()}
      ${this.lists.length ? nothing : html`<p class="muted" data-testid="no-lists">${t("phraseLists.none")}</p>`}
      ${repeat(this.lists, (list) => list.id, (list) => html`<section data-list=${list.name}>
        <h2><span class="name">${list.name}</span></h2>
        ${this.summary(list)}
        <form class="list" @submit=${(e: Event) => this.saveList(list, e)}>${this.fields(list)}
          <div class="actions">
            <button class="primary" type="submit">${t("admin.save")}</button>
            <button class="danger" type="button" @click=${() => this.deleteItem(list)}>${t("admin.delete")}</button>
          </div>
        </form></section>`)}
    `;
  }
}

/** The seconds count only for required lists; a disabled field is not submitted. */
function toggleWithin(form: HTMLFormElement | null): void {
  const kind = form?.elements.namedItem("kind");
  const within = form?.elements.namedItem("within_s");
  if (kind instanceof HTMLSelectElement && within instanceof HTMLInputElement) {
    within.disabled = kind.value !== "required";
    within.placeholder = withinPlaceholder(kind.value as Kind);
  }
}

customElements.define("fw-admin-phrases", FwAdminPhrases);
