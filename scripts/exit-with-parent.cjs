// Preloaded (`node --require`) into helper servers that npm start and the tests spawn, such as Prism:
// the process exits as soon as its parent is gone, however the parent ended (even SIGKILL), so no
// helper is ever left running on its own. The parent holds the write end of our stdin; when the
// parent dies the pipe closes and stdin ends.
'use strict';
if (!process.stdin.isTTY) {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  // Listening must not keep a process alive that has nothing else to do (the tour ends by itself).
  process.stdin.unref?.();
}
