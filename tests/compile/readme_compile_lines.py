#!/usr/bin/env python3
"""Compiles a program with each of the README's compile lines for a checkout without CMake, as
written (the compiler and app.cpp aside), so that the lines stay true."""
import pathlib
import re
import shlex
import subprocess
import sys
import tempfile

source = pathlib.Path(sys.argv[1])
compiler = sys.argv[2]
readme = (source / "README.md").read_text(encoding="utf-8")
lines = re.findall(r"^(g\+\+ -std=c\+\+20 -Iinclude -Itransports app\.cpp[^#\n]*)#\s*(\S+)", readme, re.M)
if len(lines) != 2:
    sys.exit(f"expected the README's two compile lines, found {len(lines)}")
programs = {
    "Beast": ("zic/transport/beast.hpp", "zic::beast_transport"),
    "libcurl": ("zic/transport/curl.hpp", "zic::curl_transport"),
}
with tempfile.TemporaryDirectory() as tmp:
    for line, which in lines:
        header, transport = programs[which]
        app = pathlib.Path(tmp) / "app.cpp"
        app.write_text(f"""#include <{header}>
#include <cstdio>
int main() {{
  zic::client_options o;
  o.endpoint = "http://127.0.0.1:1";
  o.timeout = std::chrono::milliseconds(200);
  o.deadline = std::chrono::milliseconds(300);
  zic::basic_client<{transport}> client(o);
  auto jobs = client.list_import_jobs();
  std::printf("%s\\n", jobs ? "listed" : jobs.error().message.c_str());
}}
""")
        args = shlex.split(line)
        args[0] = compiler
        args[args.index("app.cpp")] = str(app)
        args += ["-o", str(pathlib.Path(tmp) / "app")]
        done = subprocess.run(args, cwd=source, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{which}: {' '.join(args)}\n{done.stderr[-3000:]}")
        ran = subprocess.run([str(pathlib.Path(tmp) / "app")], capture_output=True, text=True, timeout=30)
        if "cannot connect" not in ran.stdout:
            sys.exit(f"{which}: the program did not run as expected: {ran.stdout} {ran.stderr}")
        print(f"{which}: compiled and ran")
