// A flaky demo worker: it crashes now and then, so restarts and crash alerts have something to show.
const lifetime = 60_000 + Math.random() * 120_000;
console.log(`worker up; will crash in ${Math.round(lifetime / 1000)} s`);
setInterval(() => {}, 1000);
setTimeout(() => {
  console.error("worker: simulated crash (unhandled error)");
  process.exit(1);
}, lifetime);
