// CNcurses — what Swift needs from ncursesw and cannot import by itself.
//
// Why this shim exists: the wide-character API (get_wch, cchar_t, mvaddnwstr) is only declared
// when NCURSES_WIDECHAR is defined before <curses.h>, and SwiftPM drops -D flags from
// pkg-config; attribute and size macros (A_BOLD, getmaxyx) are not importable; and the C globals
// (stdscr, COLS) are not concurrency-safe in Swift 6. Every symbol is prefixed `cnc_`.
#ifndef CNCURSES_H
#define CNCURSES_H

#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <ncursesw/curses.h>
#include <wchar.h>

/// Sets the locale from the environment and makes sure LC_CTYPE is UTF-8 (falls back to
/// C.UTF-8): ncursesw measures and draws wide characters only in a UTF-8 locale.
/// Returns 1 when a UTF-8 LC_CTYPE is in effect.
int cnc_setup_locale(void);

/// newterm() on the process's terminal; NULL (with no exit) when TERM is unknown.
/// Also: raw mode, no echo, keypad, a 25 ms Escape delay, colours when the terminal has them.
/// Returns 1 on success.
int cnc_start(void);
/// Restores the terminal (endwin). Safe to call twice.
void cnc_stop(void);
/// Leaves curses mode for a child program (external editor) and comes back.
void cnc_suspend(void);
void cnc_resume(void);

int cnc_lines(void);
int cnc_columns(void);
int cnc_has_colors(void);

/// Reads one key with a timeout in milliseconds (-1 waits). Returns 0 for a character (in *ch),
/// 1 for a function key (KEY_* in *ch, or one of the CNC_KEY_PASTE_* codes below), -1 for no
/// key before the timeout.
int cnc_read_key(int timeout_ms, unsigned int *ch);

/// Bracketed paste (xterm mode 2004): the terminal wraps pasted text in ESC[200~ … ESC[201~,
/// so a paste can be told from typing and its tabs and newlines are never taken as keys.
/// cnc_start() turns the mode on and teaches ncurses the two markers as keys with these codes;
/// cnc_stop() and cnc_suspend() turn it off again (a shell or an editor must not get the
/// markers), cnc_resume() back on.
#define CNC_KEY_PASTE_START 0x7E00
#define CNC_KEY_PASTE_END 0x7E01

/// Colour pair `pair` as (fg, bg); -1 is the terminal's default colour.
int cnc_init_pair(int pair, int fg, int bg);

/// Attribute bits (the A_* macros are not importable).
unsigned int cnc_attr_bold(void);
unsigned int cnc_attr_underline(void);
unsigned int cnc_attr_reverse(void);
unsigned int cnc_attr_dim(void);

/// Draws `count` wide characters at (y, x) with the attributes and colour pair.
void cnc_draw(int y, int x, const wchar_t *text, int count, unsigned int attrs, int pair);
/// Draws one cell whose character has combining marks (up to four): ncurses drops a mark that
/// follows a double-width character when it comes through mvaddnwstr, so such cells go
/// through setcchar and mvadd_wch.
void cnc_draw_cell(int y, int x, const wchar_t *text, int count, unsigned int attrs, int pair);
/// Clears the screen buffer (not the terminal) before a full redraw.
void cnc_erase(void);
/// Places the visible cursor, or hides it when y < 0.
void cnc_cursor(int y, int x);
/// Sends the changes to the terminal.
void cnc_refresh(void);
/// The next refresh repaints everything (after a resize or a child program).
void cnc_clear_ok(void);

/// Clears the inherited signal mask (a child of a test runner may start with signals blocked,
/// which would hang resize and termination) and catches SIGHUP, SIGTERM and SIGINT, so the
/// composer can save the draft and restore the terminal. SIGWINCH is left to ncurses.
void cnc_install_signal_handlers(void);
/// The signal caught since the last call, or 0.
int cnc_take_signal(void);

#endif
