import { css } from "lit";

/** The look of the full pages (reports, administration): a scrolling column of panels with
 * forms and data tables, in the wall's dark theme. */
export const pageStyles = css`
  :host, *, *::before, *::after { box-sizing: border-box; }
  :host {
    display: block;
    flex: 1;
    min-width: 0;
    overflow-y: auto;
    padding: 1rem 1.4rem 2rem;
  }
  h1 { font-size: 1.5rem; margin: 0 0 0.9rem; }
  h2 { font-size: 1.05rem; margin: 0 0 0.7rem; color: var(--muted); font-weight: 600; }
  section {
    background: linear-gradient(180deg, var(--panel-2) 0%, var(--panel) 100%);
    border: 1px solid var(--line);
    border-radius: var(--radius);
    padding: 0.9rem 1.1rem;
    margin-bottom: 1rem;
  }
  form, .bar { display: flex; flex-wrap: wrap; align-items: end; gap: 0.7rem 1rem; }
  label { display: flex; flex-direction: column; gap: 0.25rem; font-size: 0.8rem; color: var(--muted); }
  label.check { flex-direction: row; align-items: center; gap: 0.4rem; color: var(--text); }
  input, select, textarea, button, a.button {
    font: inherit;
    font-size: 0.9rem;
    color: var(--text);
    background: var(--bg-2);
    border: 1px solid var(--line);
    border-radius: 0.45rem;
    padding: 0.4rem 0.7rem;
  }
  input[type="number"] { width: 7rem; }
  select[multiple] { min-height: 4.5rem; }
  button, a.button { cursor: pointer; background: var(--panel-2); text-decoration: none; }
  button.primary, a.button.primary { background: var(--accent); color: #04121f; font-weight: 700; border: 0; }
  button.danger { border-color: rgba(244, 63, 94, 0.5); color: #fecdd3; }
  button:disabled { opacity: 0.5; cursor: default; }
  .muted { color: var(--muted); font-size: 0.85rem; }
  .error { color: #fecdd3; }
  .scroll { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.9rem; }
  th, td { padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
  th { color: var(--muted); font-weight: 600; font-size: 0.8rem; position: sticky; top: 0; background: var(--panel-2); }
  td.num, th.num { text-align: right; }
  tr.off td { color: var(--faint); }
  .good { color: var(--good); }
  .bad { color: var(--crit); }
`;
