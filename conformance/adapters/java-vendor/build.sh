#!/bin/sh
# Compiles the vendor-object-model adapter: build.sh [OUT_DIR] (default: out/ next to this script).
# It reuses the Java starter's protocol classes (../java/src: Adapter, Request, Reply,
# Implementation, Forward) with its own MyImplementation, ObjectModel and CimMapping.
# Needs JDK 17+ and gson (Debian: apt-get install libgoogle-gson-java); GSON_JAR overrides its path.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
starter=$here/../java/src
out=${1:-$here/out}
gson=${GSON_JAR:-/usr/share/java/gson.jar}
[ -f "$gson" ] || { echo "build.sh: no $gson (apt-get install libgoogle-gson-java, or set GSON_JAR)" >&2; exit 1; }
mkdir -p "$out"
javac --release 17 -encoding UTF-8 -Xlint:all -cp "$gson" -d "$out" \
  "$starter/Adapter.java" "$starter/Request.java" "$starter/Reply.java" \
  "$starter/Implementation.java" "$starter/Forward.java" "$here"/src/*.java
