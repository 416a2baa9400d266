// The Python program behind `/execute` and `/execute/rich` for Python code: it runs the code the way
// `python3 -c` does (same `__main__`, `sys.argv == ['-c']`, tracebacks, exit codes, `sys.exit`), and
// also records what the code displayed, as a notebook would, into a side file the handler reads
// after the run:
//
//   - the value of a last expression statement (`6*7`, `df`): Jupyter's execute_result, with its
//     `text/plain` repr and whatever `_repr_html_`/`_repr_markdown_`/... the value itself offers;
//   - `IPython.display.display(...)` calls, formatted by IPython's own DisplayFormatter (the
//     function is patched as IPython.core.display_functions loads, so nothing is paid unless the
//     code imports IPython);
//   - matplotlib figures still open when the code ends, saved as PNG (only when matplotlib is
//     installed and the code imported pyplot).
//
// Nothing else: no rich output is ever made up. Installed in the sandbox's /tmp/hopx-exec (code-runs.ts)
// and run as `python3 -u <it> <side-file> code|file <code or path to the code>`.
export const PYTHON_SCRIPT_RUNNER = String.raw`
def _hopx_run():
    import os
    import sys

    rich_path, mode, payload = sys.argv[1:4]
    if mode == 'file':
        with open(payload, encoding='utf-8') as source_file:
            source = source_file.read()
    else:
        source = payload
    # Look like 'python3 -c': argv, the import path (the working directory first) and __main__.
    sys.argv[:] = ['-c']
    sys.path[0] = ''
    main = sys.modules['__main__'].__dict__
    for name in ('_hopx_run', '__file__', '__cached__'):
        main.pop(name, None)

    def record(kind, bundle):
        clean = {}
        for mime, value in bundle.items():
            if isinstance(value, (bytes, bytearray)):
                import base64

                value = base64.b64encode(value).decode('ascii')
            clean[mime] = value
        import json

        try:
            line = json.dumps({'kind': kind, 'data': clean}, default=str)
        except (TypeError, ValueError):
            return
        os.makedirs(os.path.dirname(rich_path), exist_ok=True)
        with open(rich_path, 'a', encoding='utf-8') as out:
            out.write(line + '\n')

    def bundle_of(value):
        if 'IPython' in sys.modules:
            from IPython.core.formatters import DisplayFormatter

            return DisplayFormatter().format(value)[0]
        bundle = {'text/plain': repr(value)}
        for mime, method in (
            ('text/html', '_repr_html_'),
            ('text/markdown', '_repr_markdown_'),
            ('image/svg+xml', '_repr_svg_'),
            ('image/png', '_repr_png_'),
            ('application/json', '_repr_json_'),
        ):
            represent = getattr(type(value), method, None)
            if callable(represent):
                try:
                    shown = represent(value)
                except Exception:
                    shown = None
                if shown is not None:
                    bundle[mime] = shown[0] if isinstance(shown, tuple) else shown
        return bundle

    def patch_display(module):
        def display(*objs, include=None, exclude=None, metadata=None, transient=None, display_id=None, raw=False, clear=False, **kwargs):
            from IPython.core.formatters import DisplayFormatter

            formatter = DisplayFormatter()
            for obj in objs:
                record('display', obj if raw else formatter.format(obj, include=include, exclude=exclude)[0])

        module.display = display

    class DisplayImportHook:
        def find_spec(self, name, path, target=None):
            if name != 'IPython.core.display_functions':
                return None
            import importlib.machinery

            spec = importlib.machinery.PathFinder.find_spec(name, path)
            if spec is None or spec.loader is None:
                return spec
            loader_exec = spec.loader.exec_module

            def exec_module(module):
                loader_exec(module)
                patch_display(module)

            spec.loader.exec_module = exec_module
            return spec

    def capture_figures():
        pyplot = sys.modules.get('matplotlib.pyplot')
        if pyplot is None:
            return
        import io

        try:
            for number in pyplot.get_fignums():
                buffer = io.BytesIO()
                pyplot.figure(number).savefig(buffer, format='png')
                record('figure', {'image/png': buffer.getvalue()})
        except Exception:
            pass

    sys.meta_path.insert(0, DisplayImportHook())
    import ast

    try:
        tree = ast.parse(source, '<string>', 'exec')
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, '<string>', 'exec'), main)
        if last is not None:
            value = eval(compile(last, '<string>', 'eval'), main)
            if value is not None:
                record('result', bundle_of(value))
    except (SystemExit, KeyboardInterrupt):
        capture_figures()
        raise
    except BaseException as error:
        import traceback

        capture_figures()
        where = None if isinstance(error, SyntaxError) else error.__traceback__.tb_next
        traceback.print_exception(type(error), error, where)
        sys.stderr.flush()
        sys.exit(1)
    capture_figures()


_hopx_run()
`;
