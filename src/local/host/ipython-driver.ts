// The Python program behind a sandbox's IPython interpreter (ipython-kernel.ts), one per sandbox:
// installed in its /tmp/hopx-exec and run as `python3 -u <it> <ipython-dir>`. It keeps one IPython InteractiveShell (plain `exec` in one
// namespace when IPython is missing), so state persists between cells, and speaks JSON lines:
//
//   in  (stdin):  {"cell", "code", "timeout", "env", "cell_env"}   run a cell
//                 {"type": "interrupt", "cell"}                    stop that cell (KeyboardInterrupt)
//   out (stdout): {"type": "ready", "ipython"}, then per cell {"type": "stdout"|"stderr", "data"},
//                 {"type": "display"|"result", "data": <MIME bundle>}, and {"type": "done", ...}
//
// The protocol keeps the process's original stdin and stdout; the code gets /dev/null as fd 0 and
// pipes as fd 1 and 2, read back here, so output of `print`, C extensions, `!cmd` and subprocesses
// all reaches the caller, and in order (a marker written after each cell tells when it is all in).
// Tracebacks go to stderr without colours; a cell's timeout interrupts it as Ctrl-C would (the
// interpreter and its state survive; ipython-kernel.ts kills it if the cell ignores that).
export const IPYTHON_DRIVER = String.raw`
def _hopx_kernel():
    import base64
    import codecs
    import json
    import os
    import queue
    import signal
    import sys
    import threading
    import time

    # Cells import from the working directory, as in Jupyter, not from this script's folder.
    sys.path[0] = ''
    sys.modules['__main__'].__dict__.pop('__file__', None)

    # The protocol keeps stdin and stdout; the code gets fresh ones: fd 0 reads nothing, and what
    # fd 1 and 2 receive (print, C extensions, subprocesses) is read back here and forwarded.
    requests = os.fdopen(os.dup(0), 'r', encoding='utf-8')
    replies = os.fdopen(os.dup(1), 'w', encoding='utf-8')
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    marker = ('\x00hopx-sync-' + os.urandom(8).hex() + '\x00').encode()
    send_lock = threading.Lock()
    state = {'cell': None, 'running': False, 'timed_out': False, 'interrupted': False}

    def send(message):
        message['cell'] = state['cell']
        line = json.dumps(message, default=str)
        with send_lock:
            replies.write(line + '\n')
            replies.flush()

    synced = {1: threading.Event(), 2: threading.Event()}

    def forward(fd, kind, read_end):
        decoder = codecs.getincrementaldecoder('utf-8')('replace')
        pending = b''
        while True:
            chunk = os.read(read_end, 65536)
            if not chunk:
                return
            pending += chunk
            while True:
                at = pending.find(marker)
                if at < 0:
                    break
                text = decoder.decode(pending[:at])
                if text:
                    send({'type': kind, 'data': text})
                synced[fd].set()
                pending = pending[at + len(marker) :]
            keep = 0
            for size in range(min(len(marker) - 1, len(pending)), 0, -1):
                if marker.startswith(pending[-size:]):
                    keep = size
                    break
            text = decoder.decode(pending[: len(pending) - keep])
            pending = pending[len(pending) - keep :]
            if text:
                send({'type': kind, 'data': text})

    for fd, kind in ((1, 'stdout'), (2, 'stderr')):
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        threading.Thread(target=forward, args=(fd, kind, read_end), daemon=True).start()

    def sync_output():
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        written = []
        for fd in (1, 2):
            synced[fd].clear()
            try:
                os.write(fd, marker)
                written.append(fd)
            except OSError:
                # The cell closed or replaced the descriptor: there is nothing to wait for on it.
                pass
        for fd in written:
            synced[fd].wait(5)

    def clean(bundle):
        out = {}
        for mime, value in bundle.items():
            if isinstance(value, (bytes, bytearray)):
                value = base64.b64encode(value).decode('ascii')
            out[mime] = value
        return out

    try:
        from IPython.core.displayhook import DisplayHook
        from IPython.core.displaypub import DisplayPublisher
        from IPython.core.interactiveshell import InteractiveShell
    except ImportError:
        InteractiveShell = None

    if InteractiveShell is not None:

        class CapturedResult(DisplayHook):
            def write_output_prompt(self):
                pass

            def write_format_data(self, format_dict, md_dict=None):
                sync_output()
                send({'type': 'result', 'data': clean(format_dict)})

        class CapturedDisplay(DisplayPublisher):
            def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs):
                sync_output()
                send({'type': 'display', 'data': clean(data)})

            def clear_output(self, wait=False):
                pass

        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        # Its profile folder goes to the sandbox's /tmp, not into HOME (the workspace).
        os.environ['IPYTHONDIR'] = sys.argv[1]
        shell = InteractiveShell.instance(
            config=config,
            displayhook_class=CapturedResult,
            display_pub_class=CapturedDisplay,
            colors='NoColor',
        )
        del os.environ['IPYTHONDIR']

        def show_traceback(etype, evalue, stb):
            sys.stderr.write(shell.InteractiveTB.stb2text(stb) + '\n')

        shell._showtraceback = show_traceback

        def run(code):
            result = shell.run_cell(code, store_history=True)
            error = result.error_before_exec or result.error_in_exec
            return error
    else:
        namespace = {'__name__': '__main__', '__builtins__': __builtins__}

        def run(code):
            import traceback

            try:
                exec(compile(code, '<cell>', 'exec'), namespace)
            except BaseException as error:
                where = None if isinstance(error, SyntaxError) else error.__traceback__.tb_next
                traceback.print_exception(type(error), error, where)
                return error
            return None

    # SIGINT raises KeyboardInterrupt in the cell, as Ctrl-C would (Python's own handler: no extra frame).
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt(why):
        if state['running']:
            state[why] = True
            os.kill(os.getpid(), signal.SIGINT)

    cells = queue.Queue()

    def read_requests():
        for line in requests:
            try:
                request = json.loads(line)
            except ValueError:
                continue
            if request.get('type') == 'interrupt':
                if state['cell'] == request.get('cell'):
                    interrupt('interrupted')
            else:
                cells.put(request)
        cells.put(None)

    threading.Thread(target=read_requests, daemon=True).start()
    send({'type': 'ready', 'ipython': InteractiveShell is not None})

    def serve(request):
        if request is None:
            os._exit(0)
        state.update(cell=request['cell'], timed_out=False, interrupted=False)
        os.environ.update(request.get('env') or {})
        saved = {}
        for name, value in (request.get('cell_env') or {}).items():
            saved[name] = os.environ.get(name)
            os.environ[name] = value
        timeout = request.get('timeout')
        timer = threading.Timer(timeout, interrupt, args=('timed_out',)) if timeout else None
        started = time.perf_counter()
        state['running'] = True
        if timer:
            timer.start()
        try:
            try:
                error = run(request['code'])
            finally:
                state['running'] = False
                if timer:
                    timer.cancel()
        except KeyboardInterrupt as stopped:
            error = stopped
        elapsed = time.perf_counter() - started
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if isinstance(error, SystemExit):
            code = error.code
            exit_code = code if isinstance(code, int) else (0 if code is None else 1)
        else:
            exit_code = 0 if error is None else 1
        sync_output()
        send({
            'type': 'done',
            'exit_code': exit_code,
            'timed_out': state['timed_out'],
            'interrupted': state['interrupted'],
            'execution_time': elapsed,
        })
        state['cell'] = None

    while True:
        try:
            serve(cells.get())
        except KeyboardInterrupt:
            # An interrupt that came as the cell ended: nothing is left to stop.
            pass


_hopx_kernel()
`;
