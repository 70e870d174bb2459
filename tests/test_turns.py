"""TurnQueue: first come first served, places in line, and a session that leaves holds nobody up."""
import threading

from answering.turns import TurnQueue


def test_turns_are_taken_in_order_and_places_count_down():
    line = TurnQueue()
    with line.turn() as first, line.turn() as second:
        with line.turn() as third:
            assert (first.ahead, second.ahead, third.ahead) == (0, 1, 2)
            assert first.wait(0) and not second.wait(0.01)
        assert len(line) == 2
    assert len(line) == 0


def test_a_session_that_leaves_while_waiting_holds_nobody_up():
    line = TurnQueue()
    order = []
    with line.turn() as busy:
        assert busy.wait(0)
        gone = line.turn()
        gone_turn = gone.__enter__()  # a tab that will be closed while waiting
        started = threading.Event()

        def later():
            with line.turn() as mine:
                started.set()
                assert mine.wait(5)
                order.append("later")

        t = threading.Thread(target=later)
        t.start()
        started.wait(5)
        assert gone_turn.ahead == 1
        gone.__exit__(None, None, None)
    t.join(5)
    assert order == ["later"] and len(line) == 0


def test_a_failed_answer_still_gives_up_its_turn():
    line = TurnQueue()
    try:
        with line.turn():
            raise RuntimeError("model failed")
    except RuntimeError:
        pass
    with line.turn() as next_one:
        assert next_one.wait(0)
