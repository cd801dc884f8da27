import { css } from "lit";

/** Document styles do not reach into shadow roots: every component adopts this. */
export const reset = css`
  :host { box-sizing: border-box; }
  *, *::before, *::after { box-sizing: border-box; }
`;

/** The frame every widget shares: a dark panel sized by the grid, a header line with the
 * title and window, and a body that fills the rest. Sizes inside use container units, so
 * type grows with the tile and the screen; in wall mode no text is smaller than
 * `--wall-text` (styles/page.css: readable at 5 m on a 55" TV). */
export const panel = css`
  :host, *, *::before, *::after { box-sizing: border-box; }
  :host {
    display: flex;
    flex-direction: column;
    min-width: 0;
    min-height: 0;
    height: 100%;
    background: linear-gradient(180deg, var(--panel-2) 0%, var(--panel) 100%);
    border: 1px solid var(--line);
    border-radius: var(--radius);
    padding: 0.8rem 1rem;
    overflow: hidden;
    position: relative;
    container-type: size;
  }
  header {
    display: flex;
    align-items: baseline;
    justify-content: space-between;
    gap: 0.6rem;
    flex: none;
    min-width: 0;
  }
  h2 {
    margin: 0;
    font-size: max(var(--wall-text), 0.95rem);
    font-weight: 600;
    letter-spacing: 0.06em;
    line-height: 1.3;
    text-transform: uppercase;
    color: var(--muted);
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .badge {
    flex: none;
    white-space: nowrap;
    font-size: max(var(--wall-text), 0.72rem);
    font-weight: 700;
    letter-spacing: 0.08em;
    color: var(--faint);
    border: 1px solid var(--line);
    border-radius: 99px;
    padding: 0.1rem 0.55rem;
  }
  .body {
    flex: 1;
    min-height: 0;
    position: relative;
  }
  :host([refused])::after {
    content: attr(refused-text);
    position: absolute;
    inset: 2.6rem 0 0 0;
    display: grid;
    place-items: center;
    padding: 1rem;
    text-align: center;
    color: var(--muted);
    background: color-mix(in srgb, var(--panel) 92%, transparent);
  }
  .empty {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    color: var(--faint);
    font-size: max(var(--wall-text), 1rem);
    text-align: center;
  }
  .more {
    color: var(--muted);
    font-size: max(var(--wall-text), 0.85rem);
    padding-top: 0.2em;
    white-space: nowrap;
  }
  :host([level="good"]) { --level: var(--good); }
  :host([level="warn"]) { --level: var(--warn); }
  :host([level="crit"]) { --level: var(--crit); }
  .good { --level: var(--good); }
  .warn { --level: var(--warn); }
  .crit { --level: var(--crit); }
  .none { --level: var(--text); }
  button, select, input {
    font: inherit;
    color: inherit;
  }
`;

/** The table of a wall list (leaderboard, agent stats, phrases): a body whose rows fill the
 * tile (`--rows` rows, set by the widget), type sized to the tile and never under
 * `--wall-text`. A widget sets `--chars-across` (how many characters fill a row's width) and
 * may set `--max-text` and `--scale`; the name column is the one with `td.name`. */
export const wallTable = css`
  .body { margin-top: 0.4rem; display: flex; flex-direction: column; container-type: size; }
  .rows { flex: 1; min-height: 0; overflow: hidden; }
  table {
    width: 100%;
    border-collapse: collapse;
    font-size: max(
      var(--wall-text),
      clamp(
        0.7rem,
        min(100cqh / (var(--rows) + 0.8) / 1.6, 100cqw / var(--chars-across, 24)),
        var(--max-text, 1.7rem)
      ) * var(--scale, 1)
    );
    font-variant-numeric: tabular-nums;
  }
  th {
    font-size: max(var(--wall-text), 0.72em);
    white-space: nowrap;
    font-weight: 600;
    letter-spacing: 0.05em;
    text-transform: uppercase;
    color: var(--muted);
    text-align: right;
    padding: 0.25em 0.5em;
    border-bottom: 1px solid var(--line);
  }
  td { text-align: right; padding: 0.2em 0.5em; border-bottom: 1px solid #1a2540; white-space: nowrap; }
  td.name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; max-width: 0; }
  tr:last-child td { border-bottom: none; }
`;
