// Runs once per `jest` run, before the workers start (they inherit process.env).
// Probes for a container runtime once, so that each test file does not.
module.exports = async () => {
  if (process.env.GM_CONTAINER_RUNTIME) return;
  let answers = false;
  try {
    const { getContainerRuntimeClient } = require('testcontainers');
    answers = await Promise.race([
      getContainerRuntimeClient().then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), 5000).unref()),
    ]);
  } catch {
    answers = false;
  }
  process.env.GM_CONTAINER_RUNTIME = answers ? 'yes' : 'no';
};
