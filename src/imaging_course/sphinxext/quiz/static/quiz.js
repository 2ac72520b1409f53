/* Quizzes that answer at once (imaging_course.sphinxext.quiz).
 *
 * Each .quiz element carries its settings as JSON in data-quiz (written by Python's
 * json.dumps): {id, kind, correct: [indices]} or {id, kind, answer, tolerance, unit, units},
 * the tolerance already absolute, units mapping other units to how many of `unit` they make.
 * The page works without this script (the answer sits in a <details>); with it, Check tells
 * the learner the verdict at once, through the aria-live region, shows each chosen choice's
 * feedback beside that choice (apart from the verdict), opens the answer and explanation once
 * right, and keeps progress in localStorage per page and quiz id. Reset forgets one quiz. After
 * the last quiz, a line shows the page score, with buttons that forget every answer of the
 * page or of the whole course, each after a confirmation.
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

  function forgetCourse() {
    try {
      var keys = [];
      for (var i = 0; i < window.localStorage.length; i += 1) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(STORAGE_PREFIX) === 0) {
          keys.push(key);
        }
      }
      keys.forEach(function (key) {
        window.localStorage.removeItem(key);
      });
    } catch (error) {
      /* storage blocked: nothing was kept */
    }
  }

  /* "22,3" and " 22.3 " both mean 22.3; anything else that is not a number is NaN. */
  function readNumber(text) {
    var cleaned = text.trim().replace(/\s+/g, "").replace(",", ".");
    return cleaned === "" ? NaN : Number(cleaned);
  }

  /* A typed answer as a number in the question's unit: {value} (NaN when it is no number),
     or {unknownUnit} when a unit follows the number that the question does not accept. */
  function readAnswer(text, config) {
    var plain = readNumber(text);
    var match = /^\s*([-+]?[0-9.,\s]*[0-9][0-9.,]*)\s*(\S.*?)\s*$/.exec(text);
    if (!isNaN(plain) || !match) {
      return { value: plain };
    }
    var typed = match[2];
    var factors = {};
    factors[config.unit || ""] = 1;
    Object.keys(config.units || {}).forEach(function (unit) {
      factors[unit] = config.units[unit];
    });
    var known = Object.keys(factors).filter(function (unit) {
      return unit !== "" && unit.toLowerCase() === typed.toLowerCase();
    });
    if (known.length === 0) {
      return { unknownUnit: typed };
    }
    return { value: readNumber(match[1]) * factors[known[0]] };
  }

  function unitAdvice(config) {
    var units = [config.unit].concat(Object.keys(config.units || {}));
    return (
      "Type the number without the unit" +
      (config.unit ? " (the answer is in " + units.join(" or ") + ")." : ".")
    );
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

  /* The verdict on the current inputs: {answered, correct, message}. */
  Quiz.prototype.judge = function (given) {
    var config = this.config;
    if (this.numeric) {
      var typed = readAnswer(given.value, config);
      if (typed.unknownUnit !== undefined) {
        return { answered: false, message: unitAdvice(config) };
      }
      var value = typed.value;
      if (isNaN(value)) {
        return { answered: false, message: "Enter a number first." };
      }
      var slack = 1e-9 * Math.max(1, Math.abs(config.answer));
      var right = Math.abs(value - config.answer) <= config.tolerance + slack;
      return {
        answered: true,
        correct: right,
        message: right ? "Right." : "Not quite: " + given.value.trim() + " is not it. Try again.",
      };
    }
    if (given.selected.length === 0) {
      return { answered: false, message: "Choose an answer first." };
    }
    var rightChoices =
      given.selected.length === config.correct.length &&
      given.selected.every(function (index) {
        return config.correct.indexOf(index) !== -1;
      });
    var message = "Right.";
    if (!rightChoices) {
      message =
        config.kind === "multiple"
          ? "Not quite: tick every right choice, and only those."
          : "Not quite. Try again.";
    }
    return { answered: true, correct: rightChoices, message: message };
  };

  /* Show or hide a choice's feedback, and tie it to its input for screen readers only while
     it shows (a description of a hidden element would give the answer away). */
  function showNote(choice, shown) {
    var note = choice.querySelector(".quiz-choice-feedback");
    var input = choice.querySelector("input");
    if (!note) {
      return;
    }
    note.hidden = !shown;
    if (shown) {
      input.setAttribute("aria-describedby", note.id);
    } else {
      input.removeAttribute("aria-describedby");
    }
  }

  /* Check the inputs, show the verdict; `byLearner` saves and announces it (false when a saved
     answer is restored at page load: shown, but not read out for every quiz at once). The
     verdict goes in the feedback line; each chosen choice's feedback shows beside its choice,
     marked right or wrong with it. */
  Quiz.prototype.check = function (byLearner) {
    this.feedback.setAttribute("aria-live", byLearner ? "polite" : "off");
    var given = this.given();
    var verdict = this.judge(given);
    var config = this.config;
    this.choices.forEach(function (choice, index) {
      var selected = verdict.answered && given.selected && given.selected.indexOf(index) !== -1;
      showNote(choice, selected);
      choice.classList.toggle("quiz-choice-right", selected && config.correct.indexOf(index) !== -1);
      choice.classList.toggle("quiz-choice-wrong", selected && config.correct.indexOf(index) === -1);
    });
    this.feedback.textContent = verdict.message;
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

  /* Forget this quiz; `quietly` (when the whole page or course is reset) says nothing in it
     and leaves the focus where it is. */
  Quiz.prototype.reset = function (quietly) {
    this.form.reset();
    this.choices.forEach(function (choice) {
      choice.classList.remove("quiz-choice-right", "quiz-choice-wrong");
      showNote(choice, false);
    });
    this.feedback.setAttribute("aria-live", quietly ? "off" : "polite");
    this.feedback.textContent = quietly ? "" : "Reset: answer again.";
    this.element.classList.remove("quiz-solved", "quiz-missed");
    if (this.answer) {
      this.answer.open = false;
    }
    this.correct = false;
    save(this.config.id, null);
    this.onChange();
    var first = this.form.querySelector("input");
    if (first && !quietly) {
      first.focus();
    }
  };

  function showPageScore(quizzes, line) {
    var right = quizzes.filter(function (quiz) {
      return quiz.correct;
    }).length;
    line.textContent = "Quizzes on this page: " + right + " of " + quizzes.length + " answered right.";
  }

  function button(className, text, onClick) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = text;
    element.addEventListener("click", onClick);
    return element;
  }

  /* The page's score line and its two resets, after the last quiz. */
  function progressBlock(quizzes) {
    var block = document.createElement("div");
    block.className = "quiz-progress";
    var line = document.createElement("p");
    line.className = "quiz-page-score";
    var status = document.createElement("p");
    status.className = "quiz-progress-status";
    status.setAttribute("role", "status");
    var resetAll = function (message) {
      quizzes.forEach(function (quiz) {
        quiz.reset(true);
      });
      status.textContent = message;
    };
    var actions = document.createElement("p");
    actions.className = "quiz-progress-actions";
    actions.appendChild(
      button("quiz-reset-page", "Reset this page's quizzes", function () {
        var question =
          "Forget your answers to the " + quizzes.length + " quizzes on this page? " +
          "Answers on other pages are kept.";
        if (window.confirm(question)) {
          resetAll("This page's quizzes are reset.");
        }
      })
    );
    actions.appendChild(document.createTextNode(" "));
    actions.appendChild(
      button("quiz-reset-course", "Reset every quiz of the course", function () {
        var question = "Forget your answers to every quiz of the course, on every page?";
        if (window.confirm(question)) {
          forgetCourse();
          resetAll("Every quiz of the course is reset.");
        }
      })
    );
    block.appendChild(line);
    block.appendChild(actions);
    block.appendChild(status);
    return { block: block, line: line };
  }

  function start() {
    var elements = Array.prototype.slice.call(document.querySelectorAll(".quiz[data-quiz]"));
    if (elements.length === 0) {
      return;
    }
    var quizzes = elements.map(function (element) {
      return new Quiz(element);
    });
    var progress = progressBlock(quizzes);
    elements[elements.length - 1].insertAdjacentElement("afterend", progress.block);
    var update = function () {
      showPageScore(quizzes, progress.line);
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
