# toy_more: never finishes being imported (exploration at the top level, without end)
import time

started = time.monotonic()
while True:
    pass
