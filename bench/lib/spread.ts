/**
 * Which entry the i-th request asks for: a stride through all `count` people
 * (coprime with any count we use), so consecutive requests land far apart and
 * every entry is asked for once per `count` requests.
 */
const STRIDE = 7_919;

export function spread(count: number): (i: number) => number {
  const stride = count % STRIDE === 0 ? STRIDE + 2 : STRIDE;
  return (i) => (i * stride) % count;
}
