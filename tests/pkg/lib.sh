# Shared by tests/pkg/*.sh: install the build into a scratch DESTDIR, and run
# a command in a private mount namespace where that DESTDIR's prefix is the
# real prefix, so installed absolute paths resolve as on a real install.

scratch=$(mktemp -d "${TMPDIR:-/tmp}/crashhp-pkg.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# install_destdir BUILDDIR: meson install into $scratch/dest; sets $dest.
install_destdir() {
	dest=$scratch/dest
	if ! meson install -C "$1" --destdir "$dest" --no-rebuild >"$scratch/install.log" 2>&1; then
		cat "$scratch/install.log"
		echo "FAIL meson install into $dest"
		exit 1
	fi
}

# can_bind PREFIX: whether in_prefix_ns can work here (root, mount
# namespaces, an existing PREFIX that is not /usr itself).
can_bind() {
	[ "$(id -u)" -eq 0 ] && [ -d "$1" ] && [ "$1" != /usr ] && [ "$1" != / ] &&
		unshare -m true 2>/dev/null
}

# in_prefix_ns PREFIX SCRIPT: run SCRIPT with sh in a mount namespace where
# $dest$PREFIX is mounted on PREFIX.
in_prefix_ns() {
	unshare -m sh -c 'mount --make-rprivate / && mount --bind "$1$2" "$2" && exec sh -c "$3"' \
		sh "$dest" "$1" "$2"
}
