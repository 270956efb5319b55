# Pinned Python tools from PyPI in virtual environments, for the scripts beside this one (sourced,
# from the repository's root).
#
# They install with uv (itself pinned, put into .venv by the machine's pip): pip spent about 50
# CPU-seconds installing moto, cfn-lint and checkov while the test build needed both cores, uv
# about 20 with the same packages and versions. Bytecode is compiled at install, as pip does:
# with PYTHONDONTWRITEBYTECODE set, as on CI's machines, every run of a tool would otherwise
# compile all it imports again.

UV_VERSION="0.13.9"

# Whether VENV has DIST at exactly VERSION.
python_tool_has() {
    local venv=$1 dist=$2 version=$3
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('$dist') != '$version')" 2>/dev/null
}

# The path of uv, installed into .venv first if it is missing or another version (anything
# the installs print goes to stderr: stdout is the path).
python_tools_uv() {
    if [[ ! -x .venv/bin/python ]]; then
        python3 -m venv .venv >&2
    fi
    if ! python_tool_has .venv uv "$UV_VERSION" || [[ ! -x .venv/bin/uv ]]; then
        .venv/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" >&2
    fi
    echo .venv/bin/uv
}

# python_tool VENV DIST VERSION COMMAND [EXTRAS]: DIST[EXTRAS]==VERSION in VENV (created if
# missing), unless it is there already with VENV/bin/COMMAND.
python_tool() {
    local venv=$1 dist=$2 version=$3 command=$4 extras=${5:-}
    if python_tool_has "$venv" "$dist" "$version" && [[ -x "$venv/bin/$command" ]]; then
        return 0
    fi
    local uv
    uv="$(python_tools_uv)"
    if [[ ! -x "$venv/bin/python" ]]; then
        "$uv" venv --quiet --python python3 "$venv"
    fi
    "$uv" pip install --quiet --compile-bytecode --python "$venv/bin/python" "$dist$extras==$version"
}

# python_tool_upgrade VENV PACKAGE...: the newest release of each PACKAGE in VENV.
python_tool_upgrade() {
    local venv=$1
    shift
    local uv
    uv="$(python_tools_uv)"
    "$uv" pip install --quiet --compile-bytecode --upgrade --python "$venv/bin/python" "$@"
}
