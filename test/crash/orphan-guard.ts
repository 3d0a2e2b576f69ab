/**
 * Loaded with `--import` into the processes the crash driver starts (gateway, sandbox wallet): if the
 * driver dies without cleaning up (killed by a test-runner timeout, Ctrl-C, SIGKILL), its children
 * notice they were orphaned and kill themselves, so a crash test never leaves servers behind.
 */
const parent = process.ppid;
const timer = setInterval(() => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
}, 250);
timer.unref();
