# A stand-in for GitHub's REST API for releases, as scripts/action-install uses it: the release of
# a tag as JSON (`GET /repos/<owner>/<repo>/releases/tags/<tag>`, 404 for an unknown tag) and
# each asset's bytes at its API URL, served only with `Accept: application/octet-stream` (as the
# real API does; without it the asset's JSON comes back).
#
#   python3 server.py ROOT PORT_FILE
# ROOT holds <owner>/<repo>/<tag>/<asset files>; the port it listens on (127.0.0.1, chosen by the
# system) is written to PORT_FILE once it is ready.
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = sys.argv[1]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        base = f"http://127.0.0.1:{self.server.server_port}"
        # /repos/<owner>/<repo>/releases/tags/<tag>
        if len(parts) == 6 and parts[0] == "repos" and parts[3:5] == ["releases", "tags"]:
            owner, repo, tag = parts[1], parts[2], parts[5]
            folder = os.path.join(ROOT, owner, repo, tag)
            if not os.path.isdir(folder):
                return self.send(404, b'{"message": "Not Found"}')
            assets = [
                {"name": name, "url": f"{base}/repos/{owner}/{repo}/releases/assets/{tag}/{name}"}
                for name in sorted(os.listdir(folder))
            ]
            return self.send(200, json.dumps({"tag_name": tag, "assets": assets}).encode())
        # /repos/<owner>/<repo>/releases/assets/<tag>/<name>
        if len(parts) == 7 and parts[0] == "repos" and parts[3:5] == ["releases", "assets"]:
            path = os.path.join(ROOT, parts[1], parts[2], parts[5], parts[6])
            if not os.path.isfile(path):
                return self.send(404, b'{"message": "Not Found"}')
            if self.headers.get("Accept") != "application/octet-stream":
                return self.send(200, json.dumps({"name": parts[6]}).encode())
            with open(path, "rb") as f:
                return self.send(200, f.read(), "application/octet-stream")
        self.send(404, b'{"message": "Not Found"}')


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_port))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
