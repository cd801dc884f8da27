import { css } from "lit";

/** The look of the application shell (ui/fw-app.ts): the top bar, the board, edit mode's
 * settings column, notices, and wall mode's hidden controls. */
export const appStyles = css`
  :host {
    display: flex;
    flex-direction: column;
    height: 100%;
  }
  /* Nothing in the bar is ever cut or wrapped inside: when the line is too short for all of
     it (a laptop, long Polish labels), whole items move to a second line. */
  .top {
    flex: none;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.5rem 0.9rem;
    padding: 0.6rem 1.2rem;
    background: linear-gradient(180deg, #0d1428, #0a1020);
    border-bottom: 1px solid var(--line);
    min-height: 3.6rem;
  }
  .top > * { flex: none; }
  .top > .spacer { flex: 1 1 0; min-width: 0; }
  .brand { display: flex; align-items: center; gap: 0.6rem; font-weight: 800; letter-spacing: 0.02em; }
  .brand svg { width: 1.8rem; height: 1.8rem; }
  .brand span { color: var(--muted); font-weight: 600; }
  .title {
    font-size: 1.25rem;
    font-weight: 700;
    white-space: nowrap;
  }
  :host([wall]) .title { font-size: 1.5rem; }
  .team { color: var(--muted); font-size: 0.9rem; font-weight: 500; }
  nav.pages { display: flex; gap: 0.15rem; }
  .top nav.pages button { background: transparent; border-color: transparent; color: var(--muted); font-weight: 600; padding: 0.4rem 0.55rem; }
  .top nav.pages button[aria-current="page"] { color: var(--text); border-color: var(--line); background: var(--panel-2); }
  .controls { display: flex; align-items: center; gap: 0.5rem; transition: opacity 0.3s; }
  .controls > * { flex: none; }
  :host([wall]) .controls {
    position: absolute;
    right: 1.2rem;
    top: 4.2rem;
    z-index: 10;
    padding: 0.5rem;
    background: var(--panel-2);
    border: 1px solid var(--line);
    border-radius: 0.6rem;
    box-shadow: 0 12px 40px rgba(0, 0, 0, 0.5);
  }
  :host([wall]) .controls.hidden { opacity: 0; pointer-events: none; }
  .top button, .top select, .top input {
    font: inherit;
    font-size: 0.85rem;
    color: var(--text);
    background: var(--panel-2);
    border: 1px solid var(--line);
    border-radius: 0.45rem;
    padding: 0.4rem 0.8rem;
    cursor: pointer;
    white-space: nowrap;
  }
  .top input { cursor: text; min-width: 14rem; font-size: 1rem; }
  .top button.primary { background: var(--accent); color: #04121f; font-weight: 700; border: 0; }
  .top button.danger { border-color: rgba(244, 63, 94, 0.5); color: #fecdd3; }
  .editing-tag {
    font-size: 0.75rem;
    font-weight: 800;
    letter-spacing: 0.1em;
    text-transform: uppercase;
    background: #f5a524;
    color: #1a1204;
    padding: 0.25rem 0.6rem;
    border-radius: 0.3rem;
  }
  main { flex: 1; min-height: 0; display: flex; }
  .board { flex: 1; min-width: 0; padding: 0.9rem; overflow: hidden; }
  /* the message line takes its height from the grid, which still fills the rest */
  :host(:not([editing])) .board { display: flex; flex-direction: column; }
  :host(:not([editing])) .board fw-grid { flex: 1; min-height: 0; height: auto; }
  :host([editing]) .board { overflow-y: auto; }
  .editor-hint {
    flex: none;
    width: 22rem;
    padding: 1rem 1.2rem;
    background: #0d1528;
    border-left: 1px solid var(--line);
    color: var(--muted);
    font-size: 0.9rem;
    line-height: 1.5;
  }
  .editor-hint h3 { margin: 0 0 0.8rem; font-size: 1.05rem; color: var(--text); }
  .editor-hint .celebrate { display: flex; align-items: center; gap: 0.5rem; margin-top: 0.9rem; color: var(--text); }
  .board.stale fw-grid { filter: saturate(0.35) brightness(0.8); }
  .notice {
    position: fixed;
    left: 50%;
    bottom: 1.2rem;
    transform: translateX(-50%);
    background: #1e293b;
    border: 1px solid var(--line);
    padding: 0.6rem 1.1rem;
    border-radius: 0.5rem;
    z-index: 20;
    white-space: pre-line;
  }
  .center { flex: 1; display: grid; place-items: center; color: var(--muted); font-size: 1.2rem; text-align: center; }
`;
