// `/update/*`: replacing and restarting the VM Agent's binary. The local agent is not a binary of
// its own: it is part of the local HopX process, which cannot swap itself out from a request. So
//
//   - `upload` stores nothing (the body is read and dropped) and answers 400: accepting the file
//     would answer the documented "stored and ready to apply", which would not be true;
//   - `apply` and `restart` answer 400 for the same reason: there is nothing to install or restart;
//   - `backups` answers the true list: none, since no update was ever applied here.
//
// 400 is the only documented refusal that is not "the server failed, retry" (500), which would
// send clients retrying something that can never work.
import { ApiError } from '../api-error.js';
import { type Handler, json } from '../context.js';

const NOT_HERE = 'the local HopX cannot replace or restart its agent: it is part of the local HopX process';

export const agentUpdateHandlers: Record<string, Handler> = {
  uploadAgentUpdate(ctx) {
    ctx.req.resume();
    throw new ApiError(400, 'INVALID_REQUEST', `${NOT_HERE}; the upload was not stored`);
  },

  applyAgentUpdate() {
    throw new ApiError(400, 'INVALID_REQUEST', `${NOT_HERE}; nothing was installed`);
  },

  restartAgent() {
    throw new ApiError(400, 'INVALID_REQUEST', `${NOT_HERE}; nothing was restarted`);
  },

  listAgentBackups() {
    return json(200, { backups: [], count: 0 });
  },
};
