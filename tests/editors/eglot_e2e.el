;;; eglot_e2e.el --- the README's eglot setup against the real server, in batch Emacs.
;; Run by test_emacs.py after it loaded the setup block of editors/README.md.
;; Environment: RERANK_LINT_TEST_FILE, the bad dataset. Exit 0 = passed.

(defconst rl-timeout 60 "Seconds to wait for the server.")

(defun rl-fail (fmt &rest args)
  (princ (concat "FAIL: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun rl-wait (what predicate)
  (let ((deadline (+ (float-time) rl-timeout)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    (unless (funcall predicate) (rl-fail "timed out waiting for %s" what))))

(defun rl-texts ()
  (mapcar #'flymake-diagnostic-text (flymake-diagnostics)))

(defun rl-run ()
  (find-file (getenv "RERANK_LINT_TEST_FILE"))
  (unless (eq major-mode 'jsonl-mode) (rl-fail "major mode is %s" major-mode))
  ;; eglot-ensure connects from post-command-hook, which batch Emacs never runs by itself.
  (run-hooks 'post-command-hook)
  (rl-wait "eglot to connect" #'eglot-current-server)
  (flymake-start)
  (rl-wait "diagnostics" (lambda () (>= (length (flymake-diagnostics)) 3)))
  (let* ((texts (rl-texts))
         (html (seq-filter (lambda (s) (string-match-p "HTML `</?b>`" s)) texts)))
    (princ (format "diagnostics: %S\n" texts) #'external-debugging-output)
    (unless (= (length html) 2) (rl-fail "expected two HTML tag diagnostics, got %S" texts))
    ;; The README sets `ignore = ["RL209"]` through initializationOptions; RL406 still shows.
    (unless (seq-some (lambda (s) (string-match-p "repeats hard negative" s)) texts)
      (rl-fail "no RL406 among %S" texts)))
  ;; The quick fix of the <b> tag, as eglot-code-actions offers it at point.
  (goto-char (point-min))
  (search-forward "<b>")
  (let* ((beg (match-beginning 0))
         (actions (eglot-code-actions beg (point) "quickfix"))
         (fix (seq-find (lambda (a) (string-match-p "RL202" (plist-get a :title))) actions)))
    (unless fix (rl-fail "no RL202 quick fix among %S" (mapcar (lambda (a) (plist-get a :title)) actions)))
    (eglot--apply-workspace-edit (plist-get fix :edit)))
  (unless (string-match-p "\\[\"BM25</b> ranks documents\"\\]"
                          (buffer-substring (point-min) (line-end-position)))
    (rl-fail "after the quick fix: %s" (buffer-substring (point-min) (line-end-position))))
  (save-buffer)
  (princ "PASS\n" #'external-debugging-output)
  (kill-emacs 0))

(condition-case err
    (rl-run)
  (error (rl-fail "%S" err)))
