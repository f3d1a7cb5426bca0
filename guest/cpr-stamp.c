// SPDX-License-Identifier: GPL-2.0
/*
 * cpr-stamp: the host side of qemu_cpr_bench.
 *
 *   cpr-stamp fill FILE MIB
 *	write MIB MiB of a non-zero pattern into FILE (a QEMU's memfd RAM,
 *	through /proc/PID/fd) from 1 MiB on, so that the guest's memory is
 *	populated and a migration that copies memory has to copy it.
 *
 *   cpr-stamp watch OLD NEW
 *	read what the bench guest (cpr-guest.S built with BENCH) writes to
 *	the FIFOs of the old and the new QEMU's isa-debugcon: a byte with
 *	the high bit set, the low 7 bits of its loop count, for every loop,
 *	and every 1024 loops a line "t<TSC> m<largest TSC gap between two
 *	loops since the last line>".  Each read is timestamped with
 *	CLOCK_MONOTONIC.  On SIGTERM print one line of key=value pairs: the
 *	blackout (from the old QEMU's last count to the new QEMU's first),
 *	whether the counts went on without a gap, the time between two counts
 *	(the resolution), and the largest TSC gap the guest saw around the
 *	upgrade in microseconds: QEMU sets the TSC of the new VM to its value
 *	when the old VM stopped, so the guest's own clock misses most of a
 *	blackout.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct side {
	int fd;
	char text[64];
	size_t len;
	unsigned long counts, lines;
	double first_t, last_t, max_gap;
	unsigned int first_count, last_count;
	unsigned long long first_tsc, last_tsc, first_tsc_gap;
	double first_tsc_t, last_tsc_t;
};

static volatile sig_atomic_t done;

static void on_term(int sig)
{
	(void)sig;
	done = 1;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void count(struct side *s, unsigned int c, double t)
{
	if (!s->counts) {
		s->first_t = t;
		s->first_count = c;
	} else if (t - s->last_t > s->max_gap) {
		s->max_gap = t - s->last_t;
	}
	s->last_t = t;
	s->last_count = c;
	s->counts++;
}

static void text_line(struct side *s, double t)
{
	unsigned long long tsc, gap;

	s->text[s->len] = 0;
	s->len = 0;
	if (sscanf(s->text, "t%llx m%llx", &tsc, &gap) != 2)
		return;
	if (!s->lines) {
		s->first_tsc = tsc;
		s->first_tsc_t = t;
		s->first_tsc_gap = gap;
	}
	s->last_tsc = tsc;
	s->last_tsc_t = t;
	s->lines++;
}

static void drain(struct side *s)
{
	unsigned char buf[4096];
	double t = now_us();
	ssize_t n, i;

	n = read(s->fd, buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (buf[i] & 0x80)
			count(s, buf[i] & 0x7f, t);
		else if (buf[i] == '\n')
			text_line(s, t);
		else if (s->len < sizeof(s->text) - 1)
			s->text[s->len++] = buf[i];
	}
}

static int watch(struct side *old, struct side *new)
{
	struct pollfd p[2] = { { old->fd, POLLIN, 0 }, { new->fd, POLLIN, 0 } };
	double tsc_per_us = 0;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	while (!done) {
		if (poll(p, 2, 100) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & POLLIN)
			drain(old);
		if (p[1].revents & POLLIN)
			drain(new);
	}
	if (old->lines > 1 && old->last_tsc_t > old->first_tsc_t)
		tsc_per_us = (old->last_tsc - old->first_tsc) /
			     (old->last_tsc_t - old->first_tsc_t);
	printf("old_counts=%lu new_counts=%lu", old->counts, new->counts);
	if (old->counts > 1)
		printf(" count_us=%.1f old_max_gap_us=%.0f",
		       (old->last_t - old->first_t) / (old->counts - 1),
		       old->max_gap);
	if (old->counts && new->counts)
		printf(" blackout_us=%.0f counts_continuous=%d",
		       new->first_t - old->last_t,
		       new->first_count == ((old->last_count + 1) & 0x7f));
	if (new->counts > 1)
		printf(" new_max_gap_us=%.0f", new->max_gap);
	/* The new QEMU's first line covers the loops around the upgrade. */
	if (tsc_per_us > 0 && new->lines)
		printf(" tsc_mhz=%.1f guest_tsc_gap_us=%.0f", tsc_per_us,
		       new->first_tsc_gap / tsc_per_us);
	printf("\n");
	return !(old->counts && new->counts);
}

static int open_fifo(struct side *s, const char *path)
{
	/* O_RDWR: no EOF while no QEMU has the FIFO open. */
	s->fd = open(path, O_RDWR | O_NONBLOCK);
	if (s->fd < 0)
		perror(path);
	return s->fd;
}

static int fill(const char *path, long mib)
{
	static char buf[1 << 20];
	long i;
	int fd;

	memset(buf, 0x5a, sizeof(buf));
	fd = open(path, O_WRONLY);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	for (i = 1; i < mib; i++) {
		if (pwrite(fd, buf, sizeof(buf), (off_t)i << 20) != sizeof(buf)) {
			perror("pwrite");
			return 1;
		}
	}
	return close(fd) != 0;
}

int main(int argc, char **argv)
{
	static struct side old, new;

	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], atol(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "watch")) {
		if (open_fifo(&old, argv[2]) < 0 || open_fifo(&new, argv[3]) < 0)
			return 1;
		return watch(&old, &new);
	}
	fprintf(stderr, "usage: %s fill FILE MIB | watch OLD_FIFO NEW_FIFO\n",
		argv[0]);
	return 2;
}
