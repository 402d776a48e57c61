#!/bin/sh
# Compiles the Java starter: build.sh [OUT_DIR] (default: out/ next to this script).
# Needs JDK 17+ and gson (Debian: apt-get install libgoogle-gson-java); GSON_JAR overrides its path.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/out}
gson=${GSON_JAR:-/usr/share/java/gson.jar}
[ -f "$gson" ] || { echo "build.sh: no $gson (apt-get install libgoogle-gson-java, or set GSON_JAR)" >&2; exit 1; }
mkdir -p "$out"
javac --release 17 -encoding UTF-8 -Xlint:all -cp "$gson" -d "$out" "$here"/src/*.java
