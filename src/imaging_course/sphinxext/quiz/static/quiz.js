/* Quizzes that answer at once (imaging_course.sphinxext.quiz).
 *
 * Each .quiz element carries its settings as JSON in data-quiz (written by Python's
 * json.dumps): {id, kind, correct: [indices]} or {id, kind, answer, tolerance, unit}, the
 * tolerance already absolute. The page works without this script (the answer sits in a
 * <details>); with it, Check tells the learner at once, through the aria-live region, shows the
 * chosen choices' feedback, opens the answer and explanation once right, and keeps progress in
 * localStorage per page and quiz id. Reset forgets one quiz. A line after the last quiz shows
 * the page score.
 */
(function () {
  "use strict";

  var STORAGE_PREFIX = "imaging-course-quiz:";

  function storageKey(quizId) {
    return STORAGE_PREFIX + window.location.pathname + ":" + quizId;
  }

  function load(quizId) {
    try {
      var saved = window.localStorage.getItem(storageKey(quizId));
      return saved ? JSON.parse(saved) : null;
    } catch (error) {
      return null; // storage blocked or a stale value: start afresh
    }
  }

  function save(quizId, state) {
    try {
      if (state === null) {
        window.localStorage.removeItem(storageKey(quizId));
      } else {
        window.localStorage.setItem(storageKey(quizId), JSON.stringify(state));
      }
    } catch (error) {
      /* storage blocked (private mode, quota): the quiz still works, unsaved */
    }
  }

  /* "22,3" and " 22.3 " both mean 22.3; anything else that is not a number is NaN. */
  function readNumber(text) {
    var cleaned = text.trim().replace(/\s+/g, "").replace(",", ".");
    return cleaned === "" ? NaN : Number(cleaned);
  }

  function Quiz(element) {
    this.element = element;
    this.config = JSON.parse(element.getAttribute("data-quiz"));
    this.form = element.querySelector(".quiz-form");
    this.feedback = element.querySelector(".quiz-feedback");
    this.answer = element.querySelector(".quiz-answer");
    this.choices = Array.prototype.slice.call(element.querySelectorAll(".quiz-choice"));
    this.numeric = element.querySelector(".quiz-numeric input");
    this.correct = false;
  }

  Quiz.prototype.start = function (onChange) {
    var quiz = this;
    quiz.onChange = onChange;
    quiz.element.classList.add("quiz-ready");
    quiz.element.querySelector(".quiz-actions").hidden = false;
    quiz.form.addEventListener("submit", function (event) {
      event.preventDefault();
      quiz.check(true);
    });
    quiz.element.querySelector(".quiz-reset").addEventListener("click", function () {
      quiz.reset();
    });
    var saved = load(quiz.config.id);
    if (saved) {
      quiz.restore(saved);
      quiz.check(false);
    }
  };

  Quiz.prototype.given = function () {
    if (this.numeric) {
      return { value: this.numeric.value };
    }
    var selected = [];
    this.choices.forEach(function (choice, index) {
      if (choice.querySelector("input").checked) {
        selected.push(index);
      }
    });
    return { selected: selected };
  };

  Quiz.prototype.restore = function (saved) {
    if (this.numeric) {
      this.numeric.value = typeof saved.value === "string" ? saved.value : "";
      return;
    }
    var selected = Array.isArray(saved.selected) ? saved.selected : [];
    this.choices.forEach(function (choice, index) {
      choice.querySelector("input").checked = selected.indexOf(index) !== -1;
    });
  };

  /* The verdict on the current inputs: {answered, correct, message, notes}. */
  Quiz.prototype.judge = function (given) {
    var config = this.config;
    if (this.numeric) {
      var value = readNumber(given.value);
      if (isNaN(value)) {
        return { answered: false, message: "Enter a number first.", notes: [] };
      }
      var slack = 1e-9 * Math.max(1, Math.abs(config.answer));
      var right = Math.abs(value - config.answer) <= config.tolerance + slack;
      return {
        answered: true,
        correct: right,
        message: right ? "Right." : "Not quite: " + given.value.trim() + " is not it. Try again.",
        notes: [],
      };
    }
    if (given.selected.length === 0) {
      return { answered: false, message: "Choose an answer first.", notes: [] };
    }
    var rightChoices =
      given.selected.length === config.correct.length &&
      given.selected.every(function (index) {
        return config.correct.indexOf(index) !== -1;
      });
    var notes = [];
    var quiz = this;
    given.selected.forEach(function (index) {
      var note = quiz.choices[index].querySelector(".quiz-choice-feedback");
      if (note) {
        notes.push(note.textContent.trim());
      }
    });
    var message = "Right.";
    if (!rightChoices) {
      message =
        config.kind === "multiple"
          ? "Not quite: tick every right choice, and only those."
          : "Not quite. Try again.";
    }
    return { answered: true, correct: rightChoices, message: message, notes: notes };
  };

  /* Check the inputs, show the verdict; `byLearner` saves and announces it (false when a saved
     answer is restored at page load: shown, but not read out for every quiz at once). */
  Quiz.prototype.check = function (byLearner) {
    this.feedback.setAttribute("aria-live", byLearner ? "polite" : "off");
    var given = this.given();
    var verdict = this.judge(given);
    var config = this.config;
    this.choices.forEach(function (choice, index) {
      var selected = verdict.answered && given.selected && given.selected.indexOf(index) !== -1;
      var note = choice.querySelector(".quiz-choice-feedback");
      if (note) {
        note.hidden = !selected;
      }
      choice.classList.toggle("quiz-choice-right", selected && config.correct.indexOf(index) !== -1);
      choice.classList.toggle("quiz-choice-wrong", selected && config.correct.indexOf(index) === -1);
    });
    this.feedback.textContent = [verdict.message].concat(verdict.notes).join(" ");
    this.correct = Boolean(verdict.answered && verdict.correct);
    this.element.classList.toggle("quiz-solved", this.correct);
    this.element.classList.toggle("quiz-missed", Boolean(verdict.answered && !verdict.correct));
    if (this.correct && this.answer) {
      this.answer.open = true;
    }
    if (byLearner && verdict.answered) {
      given.correct = this.correct;
      save(config.id, given);
    }
    this.onChange();
  };

  Quiz.prototype.reset = function () {
    this.form.reset();
    this.choices.forEach(function (choice) {
      choice.classList.remove("quiz-choice-right", "quiz-choice-wrong");
      var note = choice.querySelector(".quiz-choice-feedback");
      if (note) {
        note.hidden = true;
      }
    });
    this.feedback.setAttribute("aria-live", "polite");
    this.feedback.textContent = "Reset: answer again.";
    this.element.classList.remove("quiz-solved", "quiz-missed");
    if (this.answer) {
      this.answer.open = false;
    }
    this.correct = false;
    save(this.config.id, null);
    this.onChange();
    var first = this.form.querySelector("input");
    if (first) {
      first.focus();
    }
  };

  function showPageScore(quizzes, line) {
    var right = quizzes.filter(function (quiz) {
      return quiz.correct;
    }).length;
    line.textContent = "Quizzes on this page: " + right + " of " + quizzes.length + " answered right.";
  }

  function start() {
    var elements = Array.prototype.slice.call(document.querySelectorAll(".quiz[data-quiz]"));
    if (elements.length === 0) {
      return;
    }
    var quizzes = elements.map(function (element) {
      return new Quiz(element);
    });
    var line = document.createElement("p");
    line.className = "quiz-page-score";
    elements[elements.length - 1].insertAdjacentElement("afterend", line);
    var update = function () {
      showPageScore(quizzes, line);
    };
    quizzes.forEach(function (quiz) {
      quiz.start(update);
    });
    update();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
