#!/usr/bin/env python3
"""A compressed separate debug file is read from an unpacked copy in the user's cache.

  debug_cache.py ROUNDTRIP_ARGS...

runs roundtrip.py (which symbolizes offline with --debug-dir and checks frame 0) twice
with XDG_CACHE_HOME set to a fresh directory. After the first run the cache must hold a
copy named by the program's build-id, with no compressed section (libc's may be there
too); the second run must name frame 0 the same way from that copy, and leave it as it
was.
"""

import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def compressed_sections(path):
    out = subprocess.run(['readelf', '-S', '-W', path], capture_output=True, text=True).stdout
    flags = [line.split(']', 1)[1].split() for line in out.splitlines()
             if line.lstrip().startswith('[') and ']' in line and '.debug' in line]
    return [f[0] for f in flags if len(f) > 7 and 'C' in f[7]]


def build_id(path):
    out = subprocess.run(['readelf', '-n', path], capture_output=True, text=True).stdout
    for line in out.splitlines():
        if 'Build ID:' in line:
            return line.split(':', 1)[1].strip()
    sys.exit('%s has no build-id' % path)


def main():
    want = build_id(sys.argv[-1]) + '.debug'
    cache = tempfile.mkdtemp(prefix='lt-cache-')
    env = dict(os.environ, XDG_CACHE_HOME=cache)
    try:
        for run in (1, 2):
            p = subprocess.run([sys.executable, os.path.join(HERE, 'roundtrip.py')] + sys.argv[1:],
                               env=env)
            if p.returncode != 0:
                sys.exit('run %d of roundtrip.py failed' % run)
            copies = os.listdir(os.path.join(cache, 'leaktrace'))
            if want not in copies:
                sys.exit('run %d: cache holds %r, not %s' % (run, copies, want))
            path = os.path.join(cache, 'leaktrace', want)
            if run == 1:
                first = os.stat(path)
                still = compressed_sections(path)
                if still:
                    sys.exit('the copy still has compressed sections: %s' % ', '.join(still))
            elif (os.stat(path).st_ino, os.stat(path).st_mtime_ns) != (first.st_ino,
                                                                       first.st_mtime_ns):
                sys.exit('run 2 wrote the copy again instead of reading it')
        print('ok: %s' % want)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == '__main__':
    main()
