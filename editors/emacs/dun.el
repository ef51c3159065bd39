;;; dun.el --- the .dun major mode and its language server through eglot
;; Emacs 29 and later have eglot built in; Emacs 28 needs the eglot package
;; (Debian: apt-get install elpa-eglot; elsewhere M-x package-install RET eglot).

(defvar dun-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?# "<" table)
    (modify-syntax-entry ?\n ">" table)
    (modify-syntax-entry ?_ "_" table)
    (modify-syntax-entry ?\" "\"" table)
    table)
  "Syntax of dun flows: `#' starts a comment, names may hold `_'.")

(define-derived-mode dun-mode prog-mode "dun"
  "Major mode for dun flows; `dun lsp' does the rest through eglot."
  (setq-local comment-start "# ")
  (setq-local comment-start-skip "#+[ \t]*")
  (setq-local indent-tabs-mode nil)
  (setq-local tab-width 2))

(add-to-list 'auto-mode-alist '("\\.dun\\'" . dun-mode))

(with-eval-after-load 'eglot
  ;; "dun" may be an absolute path, e.g. "/home/me/dun/target/release/dun".
  (add-to-list 'eglot-server-programs '(dun-mode "dun" "lsp")))

(add-hook 'dun-mode-hook #'eglot-ensure)
