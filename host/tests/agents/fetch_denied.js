// A JavaScript agent using the platform `fetch` (no SDK): a POST with a
// body to a URL the host denies must reject like a network error, leaving
// the agent running (it prints each outcome and exits 0).
export async function main(args) {
  const url = args[0];
  for (const [name, init] of [
    ['get', {}],
    ['post', { method: 'POST', body: 'x'.repeat(10000) }],
  ]) {
    try {
      const response = await fetch(url, init);
      console.log(`${name}: answered ${response.status}`);
    } catch (error) {
      console.log(`${name}: rejected ${error?.name}`);
    }
  }
  console.log('still running');
}
