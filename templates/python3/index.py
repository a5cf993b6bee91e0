# Classic Python template: the request body on stdin, the handler's return value on stdout.
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "function", ".python_packages"))
sys.path.insert(0, HERE)

from function import handler  # noqa: E402


def main():
    body = sys.stdin.read()
    result = handler.handle(body)
    if result is not None:
        sys.stdout.write(str(result))


if __name__ == "__main__":
    main()
