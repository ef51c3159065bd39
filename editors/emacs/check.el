;;; check.el --- headless check of dun.el (the snippet of docs/editors.md)
;; Run by tests/editors.rs as
;;   DUN_CHECK_FILE=FLOW.dun emacs --batch -l editors/emacs/dun.el -l editors/emacs/check.el
;; against the real `dun lsp' on PATH. Prints one "ok:" line per check and
;; exits 1 with a "FAIL:" line otherwise.

(require 'eglot)
(require 'flymake)
(require 'xref)

(defconst dun-check-patience 30 "Seconds; only reached when something is broken.")

(defun dun-check-fail (format-string &rest args)
  (message "FAIL: %s" (apply #'format format-string args))
  (kill-emacs 1))

(defun dun-check-wait (predicate what)
  "Let timers and the server's output run until PREDICATE holds."
  (let ((deadline (+ (float-time) dun-check-patience)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      ;; Batch mode is never idle: run what an idle editor would.
      (when (and (bound-and-true-p eglot--managed-mode) eglot--recent-changes)
        (eglot--signal-textDocument/didChange)))
    (unless (funcall predicate)
      (dun-check-fail "timed out waiting for %s" what))))

(defun dun-check-line-of (regexp)
  (save-excursion
    (goto-char (point-min))
    (unless (re-search-forward regexp nil t)
      (dun-check-fail "no line matches %s" regexp))
    (goto-char (match-beginning 0))
    (point)))

(defun dun-check-errors ()
  (seq-filter (lambda (d) (eq (flymake-diagnostic-type d) 'eglot-error))
              (flymake-diagnostics)))

(defun dun-check ()
  (message "ok: Emacs %s, eglot from %s" emacs-version (locate-library "eglot"))
  (find-file (getenv "DUN_CHECK_FILE"))
  (unless (eq major-mode 'dun-mode)
    (dun-check-fail "the major mode is %s, not dun-mode" major-mode))
  (message "ok: dun-mode")
  ;; eglot-ensure connects after the command that visited the file.
  (run-hooks 'post-command-hook)
  (dun-check-wait (lambda () (and (eglot-current-server) eglot--managed-mode))
                  "eglot to manage the buffer")
  (message "ok: eglot manages the buffer")
  (dun-check-wait (lambda () (null (dun-check-errors))) "a clean example")

  ;; A mistake: a stage name misspelt in a goto.
  (let* ((at (dun-check-line-of "^ *goto late_fee *$"))
         (line (line-number-at-pos at)))
    (save-excursion
      (goto-char at)
      (search-forward "late_fee")
      (replace-match "late_fe"))
    (dun-check-wait
     (lambda ()
       (seq-some (lambda (d)
                   (and (= (line-number-at-pos (flymake-diagnostic-beg d)) line)
                        (string-match-p "late_fe" (flymake-diagnostic-text d))))
                 (dun-check-errors)))
     (format "an error about `late_fe' on line %d" line))
    (message "ok: diagnostic on line %d" line))

  ;; Hover on a stage name in a goto.
  (goto-char (dun-check-line-of "goto plan_offer"))
  (search-forward "goto ")
  (let* ((hover (jsonrpc-request (eglot--current-server-or-lose) :textDocument/hover
                                 (eglot--TextDocumentPositionParams)))
         (contents (plist-get hover :contents))
         (text (if (stringp contents) contents (plist-get contents :value))))
    (unless (and text (string-match-p "stage plan_offer" text))
      (dun-check-fail "hover on `plan_offer' does not name the stage: %S" hover))
    (message "ok: hover names the stage plan_offer"))

  ;; Go to definition, as M-. does: point moves to the stage.
  (let ((want (line-number-at-pos (dun-check-line-of "^stage plan_offer"))))
    (xref-find-definitions (xref-backend-identifier-at-point (xref-find-backend)))
    (unless (= (line-number-at-pos) want)
      (dun-check-fail "go to definition left point on line %d, not %d"
                      (line-number-at-pos) want))
    (message "ok: definition on line %d" want))
  (set-buffer-modified-p nil)
  (kill-emacs 0))

(condition-case err
    (dun-check)
  (error (dun-check-fail "%s" (error-message-string err))))
