"""The attacker of bench/server.py and of tests/it/endpoint.rs, run as
another user: IDLE connections to ADDR that send nothing and DRIPPING ones
that send a byte a second, each reopened as soon as the endpoint closes it.

    flood.py HOST:PORT IDLE DRIPPING

Prints "holding" once they are all opened, and at the end of its stdin how
often it had to reopen one.
"""

import resource, selectors, socket, sys, time
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
host, port = sys.argv[1].rsplit(":", 1)
idle, dripping = int(sys.argv[2]), int(sys.argv[3])
sel = selectors.DefaultSelector()
sel.register(sys.stdin, selectors.EVENT_READ, None)
def connect(i):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((host, int(port)))
    sel.register(s, selectors.EVENT_READ, i)
    return s
socks = [connect(i) for i in range(idle + dripping)]
print("holding", flush=True)
reopened, last = 0, 0.0
while True:
    for key, _ in sel.select(timeout=0.2):
        if key.data is None:
            print(reopened, flush=True)
            sys.exit(0)
        sel.unregister(key.fileobj)
        key.fileobj.close()
        socks[key.data] = connect(key.data)
        reopened += 1
    if time.time() - last >= 1:
        last = time.time()
        for s in socks[idle:]:
            try:
                s.send(b"G")
            except OSError:
                pass
