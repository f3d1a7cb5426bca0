// SPDX-License-Identifier: GPL-2.0
/*
 * qmp-cmd SOCKET COMMAND...: run QMP commands on the QEMU monitor at the
 * unix socket SOCKET and print each reply on a line of its own.
 *
 * Each COMMAND is a JSON object, e.g. '{"execute":"query-status"}'.  The
 * capabilities negotiation is done first.  Events are skipped.  Exits 0
 * if every command returned, 1 if one failed ("error" reply: printed,
 * the rest not run), 2 if the monitor could not be reached or went away.
 * Used by qemu_cpr_test inside the test guest, which has no Python.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char buf[1 << 20];
static size_t len;

/* The next line from the monitor (QMP ends each message with CRLF). */
static char *read_line(int fd)
{
	static size_t consumed;
	char *nl;
	ssize_t n;

	memmove(buf, buf + consumed, len - consumed);
	len -= consumed;
	consumed = 0;
	while (!(nl = memchr(buf, '\n', len))) {
		if (len == sizeof(buf) - 1)
			return NULL;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			return NULL;
		len += n;
	}
	*nl = 0;
	if (nl > buf && nl[-1] == '\r')
		nl[-1] = 0;
	consumed = nl + 1 - buf;
	return buf;
}

/* The reply to the command just sent: the first line that is no event. */
static char *reply(int fd)
{
	char *line;

	while ((line = read_line(fd)))
		if (!strstr(line, "\"event\""))
			return line;
	return NULL;
}

static int send_cmd(int fd, const char *cmd)
{
	size_t n = strlen(cmd);

	return write(fd, cmd, n) == (ssize_t)n && write(fd, "\n", 1) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *line;
	int fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s SOCKET COMMAND...\n", argv[0]);
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "%s: socket path too long\n", argv[1]);
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 2;
	}

	/* The greeting, then leave capabilities negotiation mode. */
	if (!read_line(fd) || send_cmd(fd, "{\"execute\":\"qmp_capabilities\"}") ||
	    !(line = reply(fd)) || !strstr(line, "\"return\"")) {
		fprintf(stderr, "%s: no QMP monitor\n", argv[1]);
		return 2;
	}

	for (i = 2; i < argc; i++) {
		if (send_cmd(fd, argv[i]) || !(line = reply(fd))) {
			fprintf(stderr, "%s: monitor closed\n", argv[1]);
			return 2;
		}
		printf("%s\n", line);
		if (!strstr(line, "\"return\""))
			return 1;
	}
	return 0;
}
