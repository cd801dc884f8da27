import type { ReactiveController, ReactiveControllerHost } from "lit";

/**
 * Whole rows only: a table on a wall shows the rows that fit its box entirely and says
 * "+N more" for the rest, instead of cutting a row in half. After every render the host calls
 * `check`; when the last row shown sticks out, fewer are shown (the "+N more" line that then
 * appears may push out one more, so this runs until nothing sticks out). A resize, or another
 * number of rows, starts again from all rows. Once the rows shown fit, it measures nothing more
 * until the box is resized or the number of rows changes (a wall re-renders every second).
 */
export class RowFit implements ReactiveController {
  private limit: number | null = null;
  private total = -1;
  private observer: ResizeObserver | null = null;
  private size = "";
  private settled = false;

  /** `onResize` runs when the box changes size (before the rows are fitted again). */
  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    private readonly onResize: () => void = () => undefined,
  ) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
    this.observer = null;
    this.size = "";
    this.settled = false;
  }

  /** How many of `total` rows to render. */
  shown(total: number): number {
    if (total !== this.total) {
      this.total = total;
      this.limit = null;
      this.settled = false;
    }
    return this.limit === null ? total : Math.min(total, this.limit);
  }

  /** After a render: `box` clips the rows (watched for resizes from now on). */
  check(box: HTMLElement | null, rows: Iterable<Element>): void {
    if (!box) return;
    this.watch(box);
    if (this.settled) return;
    const bottom = box.getBoundingClientRect().bottom + 0.5;
    let fit = 0;
    let count = 0;
    for (const row of rows) {
      count++;
      if (fit === count - 1 && row.getBoundingClientRect().bottom <= bottom) fit++;
    }
    if (fit < count) {
      this.limit = fit;
      this.host.requestUpdate();
    } else {
      this.settled = true;
    }
  }

  private watch(box: HTMLElement): void {
    if (this.observer) return;
    this.observer = new ResizeObserver(([entry]) => {
      const size = `${Math.round(entry.contentRect.width)}x${Math.round(entry.contentRect.height)}`;
      if (size === this.size) return;
      const first = this.size === "";
      this.size = size;
      this.settled = false; // measured again: the first report comes once the layout is done
      if (!first) {
        this.limit = null;
        this.onResize();
      }
      this.host.requestUpdate();
    });
    this.observer.observe(box.parentElement ?? box);
  }
}
