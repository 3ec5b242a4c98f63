/**
 * @file test_door_allow.c  Globs and caller allowlists
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <stdio.h>
#include <time.h>
#include <cmocka.h>
#include "door.h"
#include "support.h"


static void test_glob(void **state)
{
	static const struct {
		const char *pattern, *str;
		bool match;
	} cases[] = {
		{"*", "", true}, {"*", "anything", true}, {"", "", true},
		{"", "a", false}, {"a", "", false}, {"abc", "abc", true},
		{"abc", "abcd", false}, {"abcd", "abc", false},
		{"ABC", "abc", true}, {"abc", "AbC", true},
		{"a*", "a", true}, {"a*", "abc", true}, {"a*", "ba", false},
		{"*c", "abc", true}, {"*c", "abcd", false},
		{"*b*", "abc", true}, {"*b*", "ac", false},
		{"a*b*c", "aXbYc", true}, {"a*b*c", "abc", true},
		{"a*b*c", "acb", false}, {"a**b", "ab", true},
		{"*@example.com", "bob@EXAMPLE.com", true},
		{"*@example.com", "bob@example.com.evil", false},
		{"*@example.com", "bob@evilexample.com", false},
		{"*example.com", "bob@evilexample.com", true},
		{"*@*.example.com", "bob@evilexample.com", false},
		{"10*", "1001", true}, {"10*", "2001", false},
		{"a?c", "abc", false}, {"a?c", "a?c", true},  /* '?' literal */
		{"*aab", "aaaab", true}, {"*ab*ab", "abxabyab", true},
	};
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (door_glob_match(cases[i].pattern, cases[i].str) !=
		    cases[i].match)
			fail_msg("'%s' vs '%s': want %s", cases[i].pattern,
				 cases[i].str, cases[i].match ? "match"
							      : "no match");
	}

	assert_false(door_glob_match(NULL, "a"));
	assert_false(door_glob_match("a", NULL));
}


/* Plain recursion: slow on long input, but obviously right on short */
static bool ref_match(const char *p, const char *s)
{
	if (!*p)
		return !*s;
	if (*p == '*')
		return ref_match(p + 1, s) || (*s && ref_match(p, s + 1));
	return *s && (*p == *s || (*p ^ 0x20) == *s) &&
		ref_match(p + 1, s + 1);
}


/* Every pattern up to 5 characters of "aB*" against every string up to
 * 5 of "abAB" */
static void test_glob_exhaustive(void **state)
{
	static const char palpha[] = "aB*", salpha[] = "abAB";
	char p[8], s[8];
	unsigned plen, slen, pn, sn, pi, si, k, checked = 0;
	(void)state;

	for (plen = 0, pn = 1; plen <= 5; plen++, pn *= 3) {
		for (pi = 0; pi < pn; pi++) {
			unsigned x = pi;

			for (k = 0; k < plen; k++, x /= 3)
				p[k] = palpha[x % 3];
			p[plen] = '\0';

			for (slen = 0, sn = 1; slen <= 5; slen++, sn *= 4) {
				for (si = 0; si < sn; si++) {
					unsigned y = si;

					for (k = 0; k < slen; k++, y /= 4)
						s[k] = salpha[y % 4];
					s[slen] = '\0';

					if (door_glob_match(p, s) !=
					    ref_match(p, s))
						fail_msg("'%s' vs '%s'", p, s);
					++checked;
				}
			}
		}
	}

	assert_true(checked > 100000);
}


/* Many stars against a long near-miss: a backtracking matcher needs
 * exponential time here, this one a few million steps */
static void test_glob_pathological(void **state)
{
	static char str[20001], pattern[64];
	clock_t start;
	double secs;
	(void)state;

	memset(str, 'a', sizeof(str) - 1);
	str[sizeof(str) - 1] = '\0';
	strcpy(pattern, "a*a*a*a*b");

	start = clock();
	assert_false(door_glob_match(pattern, str));
	assert_false(door_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", str));
	assert_false(door_glob_match("*************************b", str));
	str[sizeof(str) - 2] = 'b';
	assert_true(door_glob_match(pattern, str));
	assert_true(door_glob_match("*a*a*a*a*a*a*a*a*a*a*a*a*b", str));
	secs = (double)(clock() - start) / CLOCKS_PER_SEC;

	printf("glob: pathological patterns on %zu characters: %.3f s\n",
	       sizeof(str) - 1, secs);
	assert_true(secs < 5.0);   /* only catches exponential blow-up */
}


static struct allowlist *make(const char *spec)
{
	struct allowlist *al = NULL;

	assert_int_equal(0, allowlist_alloc(&al, spec));
	assert_non_null(al);
	return al;
}


static void expect(const struct allowlist *al, const char *uri, bool want)
{
	if (allowlist_match(al, uri) != want)
		fail_msg("'%s': want %s", uri, want ? "allowed" : "refused");
}


static void test_user_parts(void **state)
{
	struct allowlist *al = make("bob 10*");
	(void)state;

	assert_false(allowlist_isempty(al));

	/* a pattern without '@' is the user part, on any host */
	expect(al, "sip:bob@door.example", true);
	expect(al, "sip:bob@10.0.0.1:5060", true);
	expect(al, "sips:BOB@elsewhere", true);
	expect(al, "<sip:bob@host>", true);
	expect(al, "bob@host", true);
	expect(al, "sip:1001@pbx", true);
	expect(al, "tel:1002", true);
	expect(al, "sip:bobby@host", false);
	expect(al, "sip:alice@bob", false);      /* host is not the user */
	expect(al, "sip:2001@pbx", false);
	expect(al, "sip:@host", false);
	expect(al, "", false);
	assert_false(allowlist_match(al, NULL));
	mem_deref(al);
}


static void test_full_uris(void **state)
{
	struct allowlist *al = make("sip:alice@example.com,"
				    "*@trusted.example;carol@host:*");
	(void)state;

	expect(al, "sip:alice@example.com", true);
	expect(al, "sip:ALICE@Example.COM", true);
	expect(al, "sip:alice@example.com;transport=tcp", true);
	expect(al, "sip:alice@example.com?subject=hi", true);
	expect(al, "sips:alice@example.com", true);
	expect(al, "sip:alice@example.com:5060", false);  /* port: exact */
	expect(al, "sip:alice@example.org", false);
	expect(al, "sip:alice@example.com.evil.org", false);
	expect(al, "sip:mallory@example.com", false);

	expect(al, "sip:anyone@trusted.example", true);
	expect(al, "sip:anyone@untrusted.example", false);

	expect(al, "sip:carol@host:5070", true);
	expect(al, "sip:carol@hostile:5070", false);
	mem_deref(al);
}


static void test_display_names(void **state)
{
	struct allowlist *al = make("bob@host");
	(void)state;

	expect(al, "\"Bob\" <sip:bob@host;tag=x>", true);
	expect(al, "Bob <sip:bob@host>;tag=1234", true);
	expect(al, "<sip:bob@HOST;user=phone>", true);

	/* the display name is not the address */
	expect(al, "\"bob@host\" <sip:eve@evil>", false);
	expect(al, "\"Bob\" <sip:eve@host>", false);
	mem_deref(al);

	al = make("alice");
	expect(al, "\"alice\" <sip:eve@host>", false);
	expect(al, "\"Eve\" <sip:alice@host>", true);
	mem_deref(al);
}


static void test_separators(void **state)
{
	struct allowlist *al = make("  a1 ,b2;c3\td4\n,, ;e5  ");
	(void)state;

	expect(al, "sip:a1@h", true);
	expect(al, "sip:b2@h", true);
	expect(al, "sip:c3@h", true);
	expect(al, "sip:d4@h", true);
	expect(al, "sip:e5@h", true);
	expect(al, "sip:f6@h", false);
	expect(al, "sip:@h", false);     /* no empty pattern came out */
	mem_deref(al);
}


static void test_empty(void **state)
{
	static const char *empties[] = {"", "  ", ",;, \t"};
	struct allowlist *al;
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(empties); i++) {
		al = make(empties[i]);
		assert_true(allowlist_isempty(al));
		expect(al, "sip:bob@host", false);
		expect(al, "", false);
		mem_deref(al);
	}

	al = make(NULL);
	assert_true(allowlist_isempty(al));
	mem_deref(al);

	assert_true(allowlist_isempty(NULL));
	assert_false(allowlist_match(NULL, "sip:bob@host"));
	assert_int_equal(EINVAL, allowlist_alloc(NULL, "bob"));
}


static void test_star_and_long(void **state)
{
	struct allowlist *al = make("*");
	char uri[400];
	(void)state;

	expect(al, "sip:anyone@anywhere", true);

	/* an address too long to examine is refused, not cut */
	memset(uri, 'x', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	memcpy(uri, "sip:", 4);
	expect(al, uri, false);
	mem_deref(al);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glob),
		cmocka_unit_test(test_glob_exhaustive),
		cmocka_unit_test(test_glob_pathological),
		cmocka_unit_test(test_user_parts),
		cmocka_unit_test(test_full_uris),
		cmocka_unit_test(test_display_names),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_star_and_long),
	};

	return cmocka_run_group_tests_name("door_allow", tests, NULL, NULL);
}
