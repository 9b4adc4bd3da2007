#include "CNcurses.h"
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <pthread.h>

static SCREEN *screen = NULL;

static void bracketed_paste(int on);

int cnc_setup_locale(void) {
    setlocale(LC_ALL, "");
    const char *codeset = nl_langinfo(CODESET);
    if (codeset && strcmp(codeset, "UTF-8") == 0) return 1;
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL) return 0;
    codeset = nl_langinfo(CODESET);
    return codeset && strcmp(codeset, "UTF-8") == 0;
}

int cnc_start(void) {
    if (screen) return 1;
    screen = newterm(NULL, stdout, stdin);
    if (!screen) return 0;
    set_term(screen);
    raw();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    if (has_colors()) {
        start_color();
        use_default_colors();
    }
    define_key("\033[200~", CNC_KEY_PASTE_START);
    define_key("\033[201~", CNC_KEY_PASTE_END);
    bracketed_paste(1);
    return 1;
}

/// Turns xterm's bracketed paste mode on or off. Written straight to the terminal (it is not a
/// screen change ncurses could batch); terminals without the mode ignore the sequence.
static void bracketed_paste(int on) {
    fflush(stdout);
    const char *sequence = on ? "\033[?2004h" : "\033[?2004l";
    ssize_t ignored = write(STDOUT_FILENO, sequence, strlen(sequence));
    (void)ignored;
}

void cnc_stop(void) {
    if (!screen) return;
    endwin();
    bracketed_paste(0);
    delscreen(screen);
    screen = NULL;
}

void cnc_suspend(void) {
    def_prog_mode();
    endwin();
    bracketed_paste(0);
}

void cnc_resume(void) {
    reset_prog_mode();
    bracketed_paste(1);
    clearok(curscr, TRUE);
    refresh();
}

int cnc_lines(void) { return LINES; }
int cnc_columns(void) { return COLS; }
int cnc_has_colors(void) { return has_colors() ? 1 : 0; }

int cnc_read_key(int timeout_ms, unsigned int *ch) {
    wint_t key = 0;
    timeout(timeout_ms);
    int result = get_wch(&key);
    *ch = (unsigned int)key;
    if (result == KEY_CODE_YES) return 1;
    if (result == OK) return 0;
    return -1;
}

int cnc_init_pair(int pair, int fg, int bg) { return init_pair((short)pair, (short)fg, (short)bg); }

unsigned int cnc_attr_bold(void) { return A_BOLD; }
unsigned int cnc_attr_underline(void) { return A_UNDERLINE; }
unsigned int cnc_attr_reverse(void) { return A_REVERSE; }
unsigned int cnc_attr_dim(void) { return A_DIM; }

void cnc_draw(int y, int x, const wchar_t *text, int count, unsigned int attrs, int pair) {
    attr_set((attr_t)attrs, (short)pair, NULL);
    mvaddnwstr(y, x, text, count);
    attr_set(A_NORMAL, 0, NULL);
}

void cnc_draw_cell(int y, int x, const wchar_t *text, int count, unsigned int attrs, int pair) {
    wchar_t chars[CCHARW_MAX + 1];
    int n = count < CCHARW_MAX ? count : CCHARW_MAX;
    for (int i = 0; i < n; i++) chars[i] = text[i];
    chars[n] = 0;
    cchar_t cell;
    if (setcchar(&cell, chars, (attr_t)attrs, (short)pair, NULL) == OK) mvadd_wch(y, x, &cell);
}

void cnc_erase(void) { erase(); }

void cnc_cursor(int y, int x) {
    if (y < 0) {
        curs_set(0);
        return;
    }
    curs_set(1);
    move(y, x);
}

void cnc_refresh(void) { refresh(); }
void cnc_clear_ok(void) { clearok(curscr, TRUE); }

static volatile sig_atomic_t caught_signal = 0;

static void cnc_on_signal(int number) { caught_signal = number; }

void cnc_install_signal_handlers(void) {
    sigset_t empty;
    sigemptyset(&empty);
    pthread_sigmask(SIG_SETMASK, &empty, NULL);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = cnc_on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGHUP, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
}

int cnc_take_signal(void) {
    int number = caught_signal;
    caught_signal = 0;
    return number;
}
