// Generated scenarios full of problems, for the problem-list tests.
const MB = 1 << 20;

/** `{"name":…,"steps":[unit,unit,…]}` of about `mb` MB; returns the text and the number of units. */
export function giant(mb: number, unit: string, head = '{"name":"giant","devices":{},"steps":[', tail = "]}") {
  const n = Math.floor((mb * MB - head.length - tail.length) / (unit.length + 1));
  return { text: head + Array(n).fill(unit).join(",") + tail, n };
}
