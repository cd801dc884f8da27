/** One timer for every clock on the page, firing just after each whole second, so that all
 * times in state (and the header clock) change together and the page wakes once a second. */

type Tick = () => void;
const ticks = new Set<Tick>();
let timer: number | null = null;

function schedule(): void {
  timer = window.setTimeout(() => {
    for (const tick of ticks) tick();
    schedule();
  }, 1000 - (Date.now() % 1000) + 5);
}

export function onTick(tick: Tick): () => void {
  ticks.add(tick);
  if (timer === null) schedule();
  return () => {
    ticks.delete(tick);
    if (ticks.size === 0 && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}
